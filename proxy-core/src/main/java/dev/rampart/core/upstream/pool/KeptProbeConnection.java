package dev.rampart.core.upstream.pool;

import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The connection one endpoint's health check keeps open between its probes, as Envoy's checks do
 * ({@code reuse_connection}): a check every few seconds on a fresh connection leaves a socket in TIME-WAIT on
 * one side for every probe (2,000 checked endpoints at one probe a second each held ~120,000), and pays a
 * handshake, a TLS one included, each time.
 *
 * <p>Probes take and keep it on their schedule's event loop; {@link #close} may come from any thread (a
 * reload, the proxy's stop), and after it nothing is kept: a probe that ends later closes its connection.
 */
public final class KeptProbeConnection implements AutoCloseable {

    private final AtomicReference<Channel> kept = new AtomicReference<>();
    private volatile boolean closed;

    /** The kept connection if it is still open, else null (a closed one is dropped); either way none is kept after. */
    Channel take() {
        Channel ch = kept.getAndSet(null);
        if (ch != null && !ch.isActive()) {
            ch.close(); // gone while idle: the peer closed it, or it was reset
            return null;
        }
        return ch;
    }

    /** Keeps {@code ch} for the next probe, closing one kept before it; closes {@code ch} if this was closed. */
    void keep(Channel ch) {
        Channel before = kept.getAndSet(ch);
        if (before != null && before != ch) {
            before.close();
        }
        if (closed) { // read after the set: a close between the two still finds ch and closes it
            closeKept();
        }
    }

    /** Closes the kept connection, if any, and every one offered from now on. */
    @Override
    public void close() {
        closed = true;
        closeKept();
    }

    /** Closes the kept connection, if any, and goes on keeping the next (its endpoint's settings changed). */
    public void closeKept() {
        Channel ch = kept.getAndSet(null);
        if (ch != null) {
            ch.close();
        }
    }
}
