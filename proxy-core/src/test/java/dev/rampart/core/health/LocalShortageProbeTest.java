package dev.rampart.core.health;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.testing.Await;
import dev.rampart.core.upstream.pool.PoolSettings;
import io.netty.channel.ChannelException;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A probe that could not be made because the proxy itself is out of file descriptors says nothing of the
 * endpoint: it must not take a healthy endpoint out of rotation, while a probe the endpoint refuses does.
 */
class LocalShortageProbeTest {

    private static final EndpointAddress ADDRESS = EndpointAddress.parse("10.0.0.1:80");
    private static final PoolSettings SETTINGS = new PoolSettings(ADDRESS, Duration.ofSeconds(1), 8,
            Duration.ofSeconds(30), Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT);
    /** Every 10 ms; two failures in a row take the endpoint out. */
    private static final HealthCheckConfig CHECK =
            new HealthCheckConfig("/healthz", Duration.ofMillis(10), Duration.ofSeconds(1), 2, 2);

    private final EventLoopGroup loops = new DefaultEventLoopGroup(1);
    private final AtomicInteger probes = new AtomicInteger();
    private HealthChecks checks;

    @AfterEach
    void stop() {
        checks.close();
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void probesThatFindTheProxyOutOfDescriptorsLeaveTheVerdictAlone() {
        // As Netty reports a socket it could not open (EMFILE): a ChannelException around the system's error.
        EndpointHealth health = runWithProbesFailingWith(() -> new ChannelException(
                "Unable to create Channel from class IoUringSocketChannel",
                new IOException("socket(..) failed with error(-24): Too many open files")));
        Await.until(() -> probes.get() >= 6, "six probes");
        assertTrue(health.healthy(), "the shortage is the proxy's, not the endpoint's");
    }

    @Test
    void probesTheEndpointRefusesTakeItOutOfRotation() {
        EndpointHealth health = runWithProbesFailingWith(() -> new ConnectException("Connection refused"));
        Await.until(() -> probes.get() >= 6, "six probes");
        assertFalse(health.healthy());
    }

    private EndpointHealth runWithProbesFailingWith(Supplier<Throwable> failure) {
        checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
            probes.incrementAndGet();
            return loop.newFailedFuture(failure.get());
        }, System::nanoTime, upstream -> false);
        EndpointHealth health = checks.healthOf("app", ADDRESS, Optional.of(CHECK));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, CHECK, health)), (upstream, endpoint) -> true);
        return health;
    }
}
