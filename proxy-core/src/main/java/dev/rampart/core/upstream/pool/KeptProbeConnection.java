package dev.rampart.core.upstream.pool;

import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The connection one endpoint's health check keeps open between its probes, as Envoy's checks do
 * ({@code reuse_connection}): a check every few seconds on a fresh connection leaves a socket in TIME-WAIT on
 * one side for every probe (2,000 checked endpoints at one probe a second each held ~120,000), and pays a
 * handshake, a TLS one included, each time.
 *
 * <p>Probes take and keep it on their schedule's event loop; {@link #closeKept} and {@link #close} may come from
 * any thread (a reload, the proxy's stop). A connection a probe had in use across either is closed when the
 * probe ends, not kept: it was made under the settings of before.
 */
public final class KeptProbeConnection implements AutoCloseable {

    private final AtomicReference<Channel> kept = new AtomicReference<>();
    /** Counts {@link #closeKept} calls: a probe keeps its connection only if none came since it started. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean closed;

    /** What a probe starting now passes to {@link #keep} when it ends. */
    long generation() {
        return generation.get();
    }

    /** The kept connection if it is still open, else null (a closed one is dropped); either way none is kept after. */
    Channel take() {
        Channel ch = kept.getAndSet(null);
        if (ch != null && !ch.isActive()) {
            ch.close(); // gone while idle: the peer closed it, or it was reset
            return null;
        }
        return ch;
    }

    /**
     * Keeps {@code ch} for the next probe, closing one kept before it; closes {@code ch} instead if this was
     * closed, or its kept connection closed, since {@code since} ({@link #generation} when the probe began).
     */
    void keep(Channel ch, long since) {
        Channel before = kept.getAndSet(ch);
        if (before != null && before != ch) {
            before.close();
        }
        // Read after the set: a close between the two finds ch and closes it, or ch is taken back here.
        if ((closed || generation.get() != since) && kept.compareAndSet(ch, null)) {
            ch.close();
        }
    }

    /** Closes the kept connection, if any, and every one offered from now on. */
    @Override
    public void close() {
        closed = true;
        closeKept();
    }

    /**
     * Closes the kept connection, if any, and the one a probe in flight uses once it ends (its endpoint's settings
     * changed); the probes after that keep theirs again.
     */
    public void closeKept() {
        generation.incrementAndGet();
        Channel ch = kept.getAndSet(null);
        if (ch != null) {
            ch.close();
        }
    }
}
