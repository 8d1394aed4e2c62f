package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end of the process closes every upstream connection while the event loops still run: an event loop
 * shut down with no quiet period can stop without closing what is still open, and a connection left open
 * then keeps whatever was queued on it unreleased.
 */
class OriginPoolsCloseAllTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final Transport transport = Transport.detect();
    private final EventLoopGroup group = transport.newEventLoopGroup(1, "pool-close-test");
    private final OriginPools pools = new OriginPools(transport, group, 1, DefaultAddressResolverGroup.INSTANCE, 8192,
            Ticker.systemTicker());
    private final EventLoop loop = group.next();
    private final PoolSettings settings = new PoolSettings(EndpointAddress.parse(upstream.authority()),
            Duration.ofSeconds(1), 4, Duration.ofSeconds(30), Duration.ZERO, 4, UpstreamTlsConfig.DEFAULT);

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        upstream.close();
    }

    @Test
    void closingAllClosesBorrowedConnectionsAsWellAsIdleOnes() throws Exception {
        Future<OriginConnection> borrowed = onLoop(() -> pools.acquire(loop, settings));
        Future<OriginConnection> toRelease = onLoop(() -> pools.acquire(loop, settings));
        assertTrue(borrowed.await(5, TimeUnit.SECONDS) && borrowed.isSuccess(), "a connection is lent out");
        assertTrue(toRelease.await(5, TimeUnit.SECONDS) && toRelease.isSuccess(), "a second one too");
        Channel borrowedChannel = borrowed.getNow().channel();
        Channel idleChannel = toRelease.getNow().channel();
        onLoop(() -> {
            toRelease.getNow().release(true);
            return null;
        });

        pools.closeAll();

        assertTrue(idleChannel.closeFuture().await(5, TimeUnit.SECONDS), "the idle connection closes");
        assertTrue(borrowedChannel.closeFuture().await(5, TimeUnit.SECONDS),
                "the borrowed connection closes too, without being released");
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }
}
