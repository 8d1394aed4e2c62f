package dev.rampart.core.health;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.testing.Await;
import dev.rampart.core.upstream.pool.PoolSettings;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many checks that start together (2,000 endpoints at a start stalled both event loops) send their first probes
 * spread over their interval; a few start at once, as ever.
 */
class FirstProbesSpreadTest {

    private static final HealthCheckConfig EVERY_20S =
            new HealthCheckConfig("/healthz", Duration.ofSeconds(20), Duration.ofSeconds(1), 2, 2);

    private final EventLoopGroup loops = new DefaultEventLoopGroup(2);
    private final AtomicInteger probes = new AtomicInteger();
    // Probes that never end: only how many were sent counts.
    private final HealthChecks checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
        probes.incrementAndGet();
        return loop.newPromise();
    }, () -> 0L, upstream -> false);

    @AfterEach
    void stop() {
        checks.close();
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void manyChecksStartingTogetherSpreadTheirFirstProbesOverTheInterval() throws Exception {
        int endpoints = 400; // one every 50 ms over the 20 s interval
        checks.run(targets(endpoints), (upstream, endpoint) -> true);

        Await.until(() -> probes.get() >= 1, "the first probe at once");
        Thread.sleep(500);
        assertTrue(probes.get() < endpoints / 4, probes.get() + " of " + endpoints + " probed in the first half second");
    }

    @Test
    void aFewChecksStartWithAProbeEachAtOnce() {
        checks.run(targets(HealthChecks.SPREAD_ABOVE), (upstream, endpoint) -> true);
        Await.until(() -> probes.get() == HealthChecks.SPREAD_ABOVE, "every one probed at once");
    }

    private List<HealthChecks.Target> targets(int count) {
        List<HealthChecks.Target> targets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            EndpointAddress address = EndpointAddress.parse("10.0." + (i / 250) + "." + (i % 250 + 1) + ":80");
            PoolSettings settings = new PoolSettings(address, Duration.ofSeconds(1), 8, Duration.ofSeconds(30),
                    Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT);
            targets.add(new HealthChecks.Target("app", settings, EVERY_20S,
                    checks.healthOf("app", address, Optional.of(EVERY_20S))));
        }
        return targets;
    }
}
