package dev.rampart.core.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The last act of a tunnel towards one side after the other side ended: let it take what is still queued
 * for it, then close it. A peer that takes nothing for the idle timeout is not waited for any longer; one
 * that keeps reading, however slowly, is. Without the bound, a peer that stopped reading would hold its
 * connection (and, on the client's side, the exchange and its bulkhead slot) for as long as it liked.
 */
final class PeerDrain implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PeerDrain.class);

    private final Channel side;
    private final long idleNanos;
    private final Runnable then;
    private final String requestId;
    private long pendingBefore;
    private boolean done;

    private PeerDrain(Channel side, long idleNanos, Runnable then, String requestId) {
        this.side = side;
        this.idleNanos = idleNanos;
        this.then = then;
        this.requestId = requestId;
        this.pendingBefore = pending();
    }

    /** Flushes what is queued for {@code side}, then runs {@code then} once: when drained, or when it stalls. */
    static void thenRun(Channel side, long idleNanos, Runnable then, String requestId) {
        PeerDrain drain = new PeerDrain(side, idleNanos, then, requestId);
        drain.arm(idleNanos);
        side.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> drain.end());
    }

    private void arm(long delayNanos) {
        side.eventLoop().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** The idle timeout passed: wait on while the queue shrinks, else give the peer up. */
    @Override
    public void run() {
        if (done) {
            return;
        }
        long pending = pending();
        // Still reading: the queue shrank, or the kernel sent the peer some of what it holds for it (megabytes
        // of a send buffer can take a slow reader longer than the idle timeout, with the queue standing still).
        boolean shrank = pending < pendingBefore;
        long sinceSent = KernelTcpInfo.nanosSinceDataSent(side);
        if (shrank || sinceSent < idleNanos) {
            pendingBefore = pending;
            // The queue shrank sometime in the last idle timeout: another whole one. The kernel's last send is
            // known to the moment: the idle timeout runs on from it.
            arm(shrank ? idleNanos : idleNanos - sinceSent);
            return;
        }
        log.debug("request {}: the peer took nothing for {} ms after the other side of its tunnel ended", requestId,
                TimeUnit.NANOSECONDS.toMillis(idleNanos));
        end();
    }

    private void end() {
        if (!done) {
            done = true;
            then.run();
        }
    }

    private long pending() {
        ChannelOutboundBuffer queued = side.unsafe().outboundBuffer();
        return queued == null ? 0 : queued.totalPendingWriteBytes();
    }
}
