package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.proxy.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One event loop and the upstream pools on it, for tests that drive the pools by hand as an exchange does:
 * every call runs on the loop. Closing it closes every connection while the loop runs, then the loop.
 */
final class PoolLoop implements AutoCloseable {

    final Transport transport;
    final EventLoopGroup group;
    final EventLoop loop;
    final OriginPools pools;
    /** How many times a request waited for a connection, as the pools told it. */
    final java.util.concurrent.atomic.AtomicInteger waits = new java.util.concurrent.atomic.AtomicInteger();

    PoolLoop(String name) {
        this(name, DefaultAddressResolverGroup.INSTANCE, Ticker.systemTicker());
    }

    /** Pools that resolve names with {@code names} and measure connection ages on {@code ticker}. */
    PoolLoop(String name, AddressResolverGroup<InetSocketAddress> names, Ticker ticker) {
        this(name, Transport.detect(), names, ticker);
    }

    /** Pools on {@code transport}'s loop that resolve names with {@code names}. */
    PoolLoop(String name, Transport transport, AddressResolverGroup<InetSocketAddress> names, Ticker ticker) {
        this.transport = transport;
        group = transport.newEventLoopGroup(1, name);
        loop = group.next();
        pools = new OriginPools(transport, group, 1, names, 8192, ticker, waits::incrementAndGet);
    }

    /** An endpoint's pool settings: 1 s to connect, 30 s idle, and the given limits and age. */
    static PoolSettings settings(String authority, int maxConnections, Duration maxAge, int maxPending) {
        return new PoolSettings(EndpointAddress.parse(authority), Duration.ofSeconds(1), maxConnections,
                Duration.ofSeconds(30), maxAge, maxPending, UpstreamTlsConfig.DEFAULT);
    }

    <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    /** Asks for a connection on the loop: the future as the pool hands it out, done or still waiting. */
    Future<OriginConnection> acquire(PoolSettings settings) throws Exception {
        return onLoop(() -> pools.acquire(loop, settings));
    }

    /** A connection for {@code settings} within 5 s, or the test fails. */
    OriginConnection borrow(PoolSettings settings) throws Exception {
        Future<OriginConnection> acquired = acquire(settings);
        assertTrue(acquired.await(5, TimeUnit.SECONDS) && acquired.isSuccess(), "a connection: " + acquired.cause());
        return acquired.getNow();
    }

    /** Gives {@code conn} back, on the loop, as an exchange does at its end. */
    void release(OriginConnection conn, boolean reusable) throws Exception {
        onLoop(() -> {
            conn.release(reusable);
            return null;
        });
    }

    @Override
    public void close() {
        pools.closeAll();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
