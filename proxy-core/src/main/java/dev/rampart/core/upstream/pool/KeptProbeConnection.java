package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The connection one endpoint's health check keeps open between its probes, as Envoy's checks do
 * ({@code reuse_connection}): a check every few seconds on a fresh connection leaves a socket in TIME-WAIT on
 * one side for every probe (2,000 checked endpoints at one probe a second each held ~120,000), and pays a
 * handshake, a TLS one included, each time.
 *
 * <p>Probes take and keep it on their schedule's event loop, each through a {@link Use} made before it reads its
 * endpoint's settings; {@link #closeKept} and {@link #close} may come from any thread (a reload, the proxy's
 * stop). A connection is kept with the count of {@link #closeKept} calls its probe began under, and neither kept
 * nor handed out once that count has moved on: whatever the order of a reload and a probe, a connection made or
 * used under the settings of before is closed, not used again.
 *
 * <p>For an endpoint given by name it remembers the name's last answers, as a pool does ({@link LastAnswer}): a kept
 * connection to an address the name has left is closed rather than probed again, so that the check follows the name
 * to where traffic goes. Kept on, it went on passing the old address (still answering while drained, say) while
 * traffic went to the new one, however that one answered.
 */
public final class KeptProbeConnection implements AutoCloseable {

    private record Kept(Channel channel, long generation) {
    }

    private final AtomicReference<Kept> kept = new AtomicReference<>();
    /** Counts {@link #closeKept} calls. */
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean closed;
    /** The endpoint's name's last answers; read and changed by the probes, on their schedule's event loop only. */
    private final LastAnswer answers;

    /** @param ticker when the endpoint's name is due to be resolved again */
    public KeptProbeConnection(Ticker ticker) {
        this.answers = new LastAnswer(ticker);
    }

    /** A probe's use of the connection, from now: made before the probe reads its endpoint's settings. */
    public Use use() {
        return new Use(generation.get());
    }

    /** Closes the kept connection, if any, and every one offered from now on. */
    @Override
    public void close() {
        closed = true;
        closeKept();
    }

    /**
     * Closes the kept connection, if any, and the one a probe in flight uses once it ends (its endpoint's settings
     * changed); the probes that begin after this keep theirs again.
     */
    public void closeKept() {
        generation.incrementAndGet();
        Kept k = kept.getAndSet(null);
        if (k != null) {
            k.channel().close();
        }
    }

    /** One probe's use: takes the kept connection at its start, and keeps its own at its end. */
    public final class Use {
        private final long since;

        private Use(long since) {
            this.since = since;
        }

        /** The kept connection if it is still open and current, else null (it is closed); none is kept after. */
        Channel take() {
            Kept k = kept.getAndSet(null);
            if (k == null) {
                return null;
            }
            if (!k.channel().isActive() || k.generation() != generation.get()) {
                k.channel().close(); // gone while idle, or made under settings a reload replaced
                return null;
            }
            return k.channel();
        }

        /** The last answers of the endpoint's name, for the probe's connector; probes use them on their loop only. */
        LastAnswer answers() {
            return answers;
        }

        /** Keeps {@code ch} for the next probe, closing one kept before it; closes {@code ch} instead if it is stale. */
        void keep(Channel ch) {
            Kept mine = new Kept(ch, since);
            Kept before = kept.getAndSet(mine);
            if (before != null && before.channel() != ch) {
                before.channel().close();
            }
            // Read after the set: a close or reload between the two takes ch itself, or finds it gone here.
            if ((closed || generation.get() != since) && kept.compareAndSet(mine, null)) {
                ch.close();
            }
        }
    }
}
