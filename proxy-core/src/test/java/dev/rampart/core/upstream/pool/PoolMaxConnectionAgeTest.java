package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.channel.Channel;
import io.netty.resolver.DefaultAddressResolverGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pool-max-connection-age}: a connection is reused only while younger than the limit, so that a busy
 * pool, whose connections never idle long enough to time out, still moves to what the endpoint's name
 * resolves to now. Time is the pool's ticker, moved by the test.
 */
class PoolMaxConnectionAgeTest {

    private static final Duration MAX_AGE = Duration.ofMinutes(5);

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final AtomicLong now = new AtomicLong(1_234_567_890L);
    private final PoolLoop pool = new PoolLoop("pool-age-test", DefaultAddressResolverGroup.INSTANCE, now::get);

    @AfterEach
    void stop() {
        pool.close();
        upstream.close();
    }

    @Test
    void aConnectionYoungerThanTheLimitIsReused() throws Exception {
        PoolSettings settings = settings(MAX_AGE);
        Channel first = borrowAndRelease(settings);
        now.addAndGet(MAX_AGE.minusSeconds(1).toNanos());
        assertSame(first, borrowAndRelease(settings), "the pooled connection is reused");
    }

    @Test
    void aConnectionThatReachesTheLimitWhileBorrowedIsClosedOnReleaseAndNotReused() throws Exception {
        PoolSettings settings = settings(MAX_AGE);
        OriginConnection conn = pool.borrow(settings);
        now.addAndGet(MAX_AGE.toNanos());
        pool.release(conn, true);
        assertTrue(conn.channel().closeFuture().await(5, TimeUnit.SECONDS), "released at the limit, it closes");
        assertNotSame(conn.channel(), borrowAndRelease(settings), "the next request gets a new connection");
    }

    @Test
    void aConnectionThatAgedInThePoolIsClosedInsteadOfLent() throws Exception {
        PoolSettings settings = settings(MAX_AGE);
        Channel pooled = borrowAndRelease(settings);
        now.addAndGet(MAX_AGE.plusSeconds(1).toNanos());
        assertNotSame(pooled, borrowAndRelease(settings), "a new connection, not the old idle one");
        assertTrue(pooled.closeFuture().await(5, TimeUnit.SECONDS), "the old one is closed");
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        PoolSettings settings = settings(Duration.ZERO);
        Channel first = borrowAndRelease(settings);
        now.addAndGet(Duration.ofDays(3650).toNanos());
        assertSame(first, borrowAndRelease(settings), "however old, the connection is reused");
    }

    /** With a pool-idle-timeout longer than any time the test moves the ticker by, so that only the age counts. */
    private PoolSettings settings(Duration maxAge) {
        PoolSettings usual = PoolLoop.settings(upstream.authority(), 4, maxAge, 4);
        return new PoolSettings(usual.address(), usual.connectTimeout(), 4, Duration.ofDays(36_500), maxAge, 4,
                usual.tls());
    }

    private Channel borrowAndRelease(PoolSettings settings) throws Exception {
        OriginConnection conn = pool.borrow(settings);
        pool.release(conn, true);
        return conn.channel();
    }
}
