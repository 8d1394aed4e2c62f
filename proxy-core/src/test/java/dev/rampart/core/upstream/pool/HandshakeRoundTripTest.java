package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pooled connection's round trip to its endpoint (a few of which make the stale-connection window) is the
 * network's, not its event loop's: a loop busy as the connect completed (a loaded proxy, a collection) handles the
 * completion late, and the connect's time as the loop saw it takes that delay in. On io_uring and epoll the kernel's
 * own timing of the handshake (TCP_INFO) leaves it out; NIO, which cannot ask the kernel, keeps the connect's time.
 */
class HandshakeRoundTripTest {

    /** How long the loop is kept busy as the connect completes. */
    private static final long BUSY_MILLIS = 300;

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void theKernelsHandshakeTimingLeavesOutTheLoopsDelays(String transport) throws Exception {
        OriginConnection conn = connectWhileTheLoopIsBusy(Transports.named(transport));

        long loopMillis = TimeUnit.NANOSECONDS.toMillis(conn.connectNanos());
        assertTrue(loopMillis >= BUSY_MILLIS, "the loop saw the connect take its delay: " + loopMillis + " ms");
        long roundTripMicros = TimeUnit.NANOSECONDS.toMicros(conn.roundTripNanos());
        assertTrue(roundTripMicros > 0 && roundTripMicros < 100_000,
                "a loopback round trip as the kernel timed it: " + roundTripMicros + " µs");
    }

    @Test
    void withoutTheKernelsTimingTheConnectsTimeStands() throws Exception {
        OriginConnection conn = connectWhileTheLoopIsBusy(Transports.named("nio"));

        assertTrue(conn.connectNanos() >= TimeUnit.MILLISECONDS.toNanos(BUSY_MILLIS), conn.connectNanos() + " ns");
        assertEquals(conn.connectNanos(), conn.roundTripNanos());
    }

    @Test
    void theLesserOfTheTwoMeasuresIsTheRoundTrip() {
        long ms = TimeUnit.MILLISECONDS.toNanos(1);
        assertEquals(40_000, OriginConnection.roundTrip(150 * ms, 40_000), "a loaded loop, loopback");
        assertEquals(120 * ms, OriginConnection.roundTrip(121 * ms, 120 * ms), "a far region: both see its RTT");
        assertEquals(2 * ms, OriginConnection.roundTrip(2 * ms, 45 * ms), "the kernel's timing, overstated");
        assertEquals(150 * ms, OriginConnection.roundTrip(150 * ms, 0), "no timing from the kernel (NIO)");
    }

    /** A connection to a local upstream whose connect completes while a task keeps the loop busy. */
    private OriginConnection connectWhileTheLoopIsBusy(Transport transport) throws Exception {
        FakeUpstream upstream = closing.add(FakeUpstream.start(UpstreamBehavior.ok("ok")));
        PoolLoop pool = closing.add(new PoolLoop("handshake-rtt", transport, DefaultAddressResolverGroup.INSTANCE,
                Ticker.systemTicker()));
        PoolSettings settings = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 1);
        Future<OriginConnection> acquired = pool.onLoop(() -> {
            Future<OriginConnection> connecting = pool.pools.acquire(pool.loop, settings);
            // Queued behind the task that opens the socket: the loop handles the connect's completion after it.
            pool.loop.execute(() -> pool.loop.execute(HandshakeRoundTripTest::keepTheLoopBusy));
            return connecting;
        });
        assertTrue(acquired.await(10, TimeUnit.SECONDS) && acquired.isSuccess(), "connected: " + acquired.cause());
        return acquired.getNow();
    }

    private static void keepTheLoopBusy() {
        try {
            Thread.sleep(BUSY_MILLIS); // a loop held up as a loaded or collecting process holds it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
