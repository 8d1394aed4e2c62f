package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.channel.Channel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The end of the process closes every upstream connection while the event loops still run: an event loop
 * shut down with no quiet period can stop without closing what is still open, and a connection left open
 * then keeps whatever was queued on it unreleased; so closeAll returns once they are closed.
 */
class OriginPoolsCloseAllTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final PoolLoop pool = new PoolLoop("pool-close-test");
    private final PoolSettings settings = PoolLoop.settings(upstream.authority(), 4, Duration.ZERO, 4);

    @AfterEach
    void stop() {
        pool.close();
        upstream.close();
    }

    @Test
    void closingAllClosesBorrowedConnectionsAsWellAsIdleOnes() throws Exception {
        OriginConnection borrowed = pool.borrow(settings);
        OriginConnection toRelease = pool.borrow(settings);
        Channel borrowedChannel = borrowed.channel();
        Channel idleChannel = toRelease.channel();
        pool.release(toRelease, true);

        // The loop busy a moment longer, as one is with a batch of events: closeAll still returns only once its
        // task there has closed the connections.
        pool.loop.execute(() -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        });
        pool.pools.closeAll();

        assertFalse(idleChannel.isOpen(), "the idle connection is closed when closeAll returns");
        assertFalse(borrowedChannel.isOpen(), "the borrowed one too, without being released");
    }
}
