package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.channel.Channel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload that retires an endpoint's pool settings closes its idle connections; an exchange that began
 * before the reload and retries after it still gets a connection under the old settings, but leaves none
 * open behind it for a config that is gone.
 */
class RetiredPoolSettingsTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final PoolLoop pool = new PoolLoop("pool-retired-test");
    private final PoolSettings retired = PoolLoop.settings(upstream.authority(), 4, Duration.ZERO, 4);
    private final PoolSettings kept = PoolLoop.settings(upstream.authority(), 8, Duration.ZERO, 4);

    @AfterEach
    void stop() {
        pool.close();
        upstream.close();
    }

    @Test
    void aConnectionBorrowedUnderRetiredSettingsIsClosedWhenReleased() throws Exception {
        pool.release(pool.borrow(retired), true);
        pool.onLoop(() -> {
            pool.pools.retainOnly(Set.of(kept)); // the reload
            return null;
        });

        OriginConnection retry = pool.borrow(retired);
        Channel channel = retry.channel();
        pool.release(retry, true);

        assertTrue(channel.closeFuture().await(5, TimeUnit.SECONDS), "not kept idle for settings no config uses");
    }

    @Test
    void settingsInUseAgainAfterARollbackKeepTheirConnectionsIdleAgain() throws Exception {
        pool.onLoop(() -> {
            pool.pools.retainOnly(Set.of(kept)); // the reload retires "retired"
            return null;
        });
        pool.release(pool.borrow(retired), true); // a retry made a pool for it, which keeps nothing idle
        pool.onLoop(() -> {
            pool.pools.retainOnly(Set.of(retired)); // the rollback
            return null;
        });

        OriginConnection conn = pool.borrow(retired);
        Channel channel = conn.channel();
        pool.release(conn, true);

        assertFalse(channel.closeFuture().await(300, TimeUnit.MILLISECONDS), "kept for the next request");
    }

    @Test
    void aConnectionUnderSettingsStillInUseIsKeptIdle() throws Exception {
        pool.onLoop(() -> {
            pool.pools.retainOnly(Set.of(kept));
            return null;
        });

        OriginConnection conn = pool.borrow(kept);
        Channel channel = conn.channel();
        pool.release(conn, true);

        assertFalse(channel.closeFuture().await(300, TimeUnit.MILLISECONDS), "kept for the next request");
        assertTrue(channel.isActive());
    }
}
