package dev.rampart.core.upstream.pool;

import io.netty.channel.Channel;
import io.netty.resolver.DefaultAddressResolverGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream that does not say how long it keeps idle connections (nginx with {@code keepalive_timeout 2s}, no
 * {@code Keep-Alive} field) shows it by closing one: a connection idle nearly that long again is not taken, since
 * the upstream may be closing it as a request is written onto it. A real upstream closes its side of a real
 * socket; the pool's ticker is moved by the test.
 */
class UpstreamIdleCloseTest {

    private final HeldSocketsUpstream upstream;
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PoolLoop pool = new PoolLoop("upstream-idle-close-test", DefaultAddressResolverGroup.INSTANCE, now::get);
    private final PoolSettings settings;

    UpstreamIdleCloseTest() throws Exception {
        upstream = new HeldSocketsUpstream();
        settings = PoolLoop.settings(upstream.authority(), 4, Duration.ZERO, 4); // pool-idle-timeout 30 s
    }

    @AfterEach
    void stop() throws Exception {
        pool.close();
        upstream.close();
    }

    @Test
    void aConnectionIdleNearlyAsLongAsTheUpstreamKeptOneIsNotTaken() throws Exception {
        upstreamClosesAfterIdle(Duration.ofSeconds(2));

        Channel second = borrowAndRelease();
        now.addAndGet(Duration.ofMillis(900).toNanos());
        assertSame(second, borrowAndRelease(), "0.9 s idle, well within the 2 s the upstream kept one: reused");
        now.addAndGet(Duration.ofMillis(1_100).toNanos());
        Channel third = borrowAndRelease();
        assertNotSame(second, third, "1.1 s idle, less than a second short of the 2 s: a new connection");
        assertTrue(second.closeFuture().await(5, TimeUnit.SECONDS), "the one passed over is closed, not left open");
    }

    @Test
    void aTimerThatBecameShorterIsLearntOnceTheLongerOneIsNoLongerSeen() throws Exception {
        upstreamClosesAfterIdle(Duration.ofSeconds(20)); // Jetty, say, before a redeploy at the same address ...
        for (int minute = 1; minute <= 6; minute++) {
            now.addAndGet(Duration.ofMinutes(1).toNanos());
            upstreamClosesAfterIdle(Duration.ofSeconds(2)); // ... as Tomcat with keepAliveTimeout 2 s
        }

        Channel second = borrowAndRelease();
        now.addAndGet(Duration.ofMillis(1_500).toNanos());
        assertNotSame(second, borrowAndRelease(),
                "1.5 s idle, less than a second short of the 2 s timer that closes connections now: a new connection");
    }

    @Test
    void aCloseSoonerThanASecondIdleIsNoTimerAndLeavesReuseAlone() throws Exception {
        upstreamClosesAfterIdle(Duration.ofMillis(400)); // a reload or restart closing whatever is idle

        Channel second = borrowAndRelease();
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        assertSame(second, borrowAndRelease(), "only pool-idle-timeout bounds reuse");
    }

    @Test
    void aConnectionThePoolClosedForItsOwnIdleTimeoutTeachesNothing() throws Exception {
        // Long enough that a connection idle 1 s is still taken (within it less a second), short enough to wait for.
        PoolSettings shortIdle = new PoolSettings(settings.address(), Duration.ofSeconds(1), 4, Duration.ofSeconds(3),
                Duration.ZERO, 4, settings.tls());
        Channel first = borrowAndRelease(shortIdle);
        now.addAndGet(Duration.ofMillis(1_200).toNanos()); // the ticker says 1.2 s idle when the idle watch closes it
        assertTrue(first.closeFuture().await(15, TimeUnit.SECONDS), "pool-idle-timeout closes it");
        awaitNoneOpen(shortIdle);

        Channel second = borrowAndRelease(shortIdle);
        now.addAndGet(Duration.ofMillis(1_000).toNanos()); // learnt, 1.2 s would keep only 0.6 s
        assertSame(second, borrowAndRelease(shortIdle), "the proxy's own close is no sign of the upstream's timer");
    }

    @Test
    void aConnectionThePoolClosedOnStrayBytesTeachesNothing() throws Exception {
        Channel first = borrowAndRelease();
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        assertTrue(upstream.sendStray(((InetSocketAddress) first.localAddress()).getPort()), "the upstream holds it");
        assertTrue(first.closeFuture().await(5, TimeUnit.SECONDS), "bytes nobody asked for close it");
        awaitNoneOpen(settings);

        Channel second = borrowAndRelease();
        now.addAndGet(Duration.ofMillis(2_500).toNanos());
        assertSame(second, borrowAndRelease(), "the proxy closed that one, not the upstream's timer");
    }

    /** One connection, parked, then closed by the upstream once the ticker says it sat idle for {@code idle}. */
    private void upstreamClosesAfterIdle(Duration idle) throws Exception {
        Channel first = borrowAndRelease();
        now.addAndGet(idle.toNanos());
        assertTrue(upstream.close(((InetSocketAddress) first.localAddress()).getPort()), "the upstream holds it");
        assertTrue(first.closeFuture().await(5, TimeUnit.SECONDS), "the pool sees the upstream's close");
        awaitNoneOpen(settings);
    }

    private void awaitNoneOpen(PoolSettings which) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((int) pool.onLoop(() -> pool.pools.openConnections(which)) != 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, (int) pool.onLoop(() -> pool.pools.openConnections(which)), "the closed connection left the pool");
    }

    private Channel borrowAndRelease() throws Exception {
        return borrowAndRelease(settings);
    }

    private Channel borrowAndRelease(PoolSettings which) throws Exception {
        OriginConnection conn = pool.borrow(which);
        pool.release(conn, true);
        return conn.channel();
    }
}
