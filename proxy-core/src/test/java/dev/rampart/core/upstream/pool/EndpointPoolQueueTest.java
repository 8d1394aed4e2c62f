package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue of requests waiting for a pooled connection, against a real upstream. */
class EndpointPoolQueueTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final Transport transport = Transport.detect();
    private final EventLoopGroup group = transport.newEventLoopGroup(1, "pool-test");
    private final OriginPools pools = new OriginPools(transport, group, 1, DefaultAddressResolverGroup.INSTANCE, 8192,
            Ticker.systemTicker());
    private final EventLoop loop = group.next();
    /** One connection at most, one request allowed to wait for it. */
    private final PoolSettings settings = new PoolSettings(EndpointAddress.parse(upstream.authority()),
            Duration.ofSeconds(1), 1, Duration.ofSeconds(30), Duration.ZERO, 1, UpstreamTlsConfig.DEFAULT);

    @AfterEach
    void stop() {
        pools.closeAll();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        upstream.close();
    }

    @Test
    void aCancelledWaiterGivesItsPlaceInTheQueueBack() throws Exception {
        Future<OriginConnection> first = onLoop(() -> pools.acquire(loop, settings));
        assertTrue(first.await(5, TimeUnit.SECONDS) && first.isSuccess(), "the only connection is lent out");

        Future<OriginConnection> waiting = onLoop(() -> pools.acquire(loop, settings));
        assertFalse(waiting.isDone(), "the second request waits for the connection");
        onLoop(() -> waiting.cancel(false)); // its client went away

        Future<OriginConnection> next = onLoop(() -> pools.acquire(loop, settings));
        assertFalse(next.isDone() && !next.isSuccess(),
                "the cancelled waiter no longer counts against max-pending: " + next.cause());
        onLoop(() -> {
            first.getNow().release(true);
            return null;
        });
        assertTrue(next.await(5, TimeUnit.SECONDS) && next.isSuccess(), "the released connection goes to the live waiter");
        onLoop(() -> {
            next.getNow().release(true);
            return null;
        });
    }

    @Test
    void atTheEndOfTheDrainAFreedSlotOpensNoConnectionForAWaiter() throws Exception {
        Future<OriginConnection> first = onLoop(() -> pools.acquire(loop, settings));
        assertTrue(first.await(5, TimeUnit.SECONDS) && first.isSuccess(), "the only connection is lent out");
        Future<OriginConnection> waiting = onLoop(() -> pools.acquire(loop, settings));
        assertFalse(waiting.isDone(), "the second request waits for it");

        pools.openNoMoreForWaiters(); // the drain's grace is over: the waiting request is about to be answered 503
        onLoop(() -> {
            first.getNow().release(false); // its exchange was cut: the connection closes
            return null;
        });
        assertTrue(first.getNow().channel().closeFuture().await(5, TimeUnit.SECONDS));

        assertEquals(0, (int) onLoop(() -> pools.openConnections(settings)), "no connection opened for the waiter");
        assertFalse(waiting.isDone(), "the waiter is left to its exchange, which the drain ends");
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }
}
