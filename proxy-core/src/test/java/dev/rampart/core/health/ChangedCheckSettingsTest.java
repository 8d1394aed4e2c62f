package dev.rampart.core.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.upstream.pool.PoolSettings;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reload that changes an endpoint's check settings builds the new verdict from the old one first and swaps the
 * checks afterwards (TLS is readied in between): what the old check counted meanwhile must not be lost.
 */
class ChangedCheckSettingsTest {

    private static final EndpointAddress ADDRESS = EndpointAddress.parse("10.0.0.1:80");
    private static final PoolSettings SETTINGS = new PoolSettings(ADDRESS, Duration.ofSeconds(1), 8,
            Duration.ofSeconds(30), Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT);

    private final EventLoopGroup loops = new DefaultEventLoopGroup(1);
    // Probes that never end: only what the test records counts.
    private final HealthChecks checks = new HealthChecks(loops,
            (loop, settings, path, host, timeout, sequence, kept) -> loop.newPromise(), () -> 0L, upstream -> false);

    @AfterEach
    void stop() {
        checks.close();
        loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void whatTheOldCheckCountedAfterTheNewOneWasBuiltCarriesOn() {
        HealthCheckConfig before = new HealthCheckConfig("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 2);
        HealthCheckConfig after = new HealthCheckConfig("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 3, 2);
        EndpointHealth old = checks.healthOf("app", ADDRESS, Optional.of(before));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, before, old)), (upstream, endpoint) -> true);

        EndpointHealth built = checks.healthOf("app", ADDRESS, Optional.of(after)); // the reload's new config
        assertTrue(built.healthy());
        old.recordFailure(); // the old check, still running, counts two failures
        old.recordFailure();
        assertFalse(old.healthy());
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, after, built)), (upstream, endpoint) -> true);

        assertFalse(built.healthy(), "the verdict the old check reached before it stopped");
        built.recordSuccess();
        built.recordSuccess();
        assertFalse(built.healthy(), "three passes in a row under the new settings, not two");
        built.recordSuccess();
        assertTrue(built.healthy());
    }
}
