package dev.rampart.core.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The end of a tunnel towards a peer: the close waits while the peer takes what is queued, and not longer
 * than the idle timeout once it takes nothing. A peer that reads nothing is a channel whose flushes never
 * leave (the handler swallows them), so its bytes stay queued; Netty's in-memory channel moves time only
 * when told, so no test sleeps.
 */
class PeerDrainTest {

    private static final long IDLE = TimeUnit.SECONDS.toNanos(3);

    /** A peer that never reads: nothing written to it ever leaves the channel's outbound queue. */
    private static EmbeddedChannel stalledPeer() {
        return new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                // swallowed: the socket would take no more
            }
        });
    }

    @Test
    void aPeerThatTakesNothingIsGivenUpAfterTheIdleTimeout() {
        EmbeddedChannel peer = stalledPeer();
        peer.freezeTime(); // only advanceTimeBy moves the loop's clock
        peer.write(Unpooled.wrappedBuffer(new byte[10_000]));
        AtomicInteger closed = new AtomicInteger();

        PeerDrain.thenRun(peer, IDLE, closed::incrementAndGet, "r1");
        peer.advanceTimeBy(IDLE - 1, TimeUnit.NANOSECONDS);
        peer.runScheduledPendingTasks();
        assertEquals(0, closed.get(), "waited for while the idle timeout runs");

        peer.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        peer.runScheduledPendingTasks();
        assertEquals(1, closed.get(), "nothing left the queue for the idle timeout: not waited for any longer");

        peer.close(); // the queued write fails; the ending has run already and does not run twice
        assertEquals(1, closed.get());
        peer.finishAndReleaseAll();
    }

    @Test
    void aPeerThatTakesEverythingIsClosedAtOnceAndTheTimerChangesNothing() {
        EmbeddedChannel peer = new EmbeddedChannel();
        peer.freezeTime();
        peer.write(Unpooled.wrappedBuffer(new byte[10_000]));
        AtomicInteger closed = new AtomicInteger();

        PeerDrain.thenRun(peer, IDLE, closed::incrementAndGet, "r2");
        assertEquals(1, closed.get(), "drained: closed as soon as the last byte left");

        peer.advanceTimeBy(IDLE, TimeUnit.NANOSECONDS);
        peer.runScheduledPendingTasks();
        assertEquals(1, closed.get());
        peer.finishAndReleaseAll();
    }
}
