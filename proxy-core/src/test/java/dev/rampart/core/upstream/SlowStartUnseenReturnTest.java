package dev.rampart.core.upstream;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.health.EndpointHealth;
import dev.rampart.core.resilience.Bulkhead;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.upstream.balancing.EndpointSelectors;
import dev.rampart.core.upstream.pool.PoolSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow start of an endpoint whose health check passed again while no request looked at it: a backup back while the
 * primaries served, an endpoint that no request reached before it failed, one whose check a reload changed while it
 * was out. Its window runs from that return, as configuration.md dates returns, not from when it is first looked at.
 */
class SlowStartUnseenReturnTest {

    private final long[] now = {Duration.ofSeconds(100).toNanos()};
    private final Ticker ticker = () -> now[0];
    private final CircuitBreakerConfig breakerConfig = new CircuitBreakerConfig(true, Duration.ofSeconds(10), 100,
            50, 5, Duration.ZERO, 100, Duration.ofSeconds(30), Duration.ofSeconds(60), 1);
    private final UpstreamConfig slow = ConfigLoader.parse("rampart { upstreams { app { endpoints = [\"10.0.0.1:80\","
            + " \"10.0.0.2:80\", { address = \"10.0.0.3:80\", backup = true }, { address = \"10.0.0.4:80\","
            + " backup = true }], slow-start = 10s } }, routes = [ { upstream = app } ] }", "test.conf")
            .upstreams().get("app");
    private final EndpointLoads loads = new EndpointLoads();

    private EndpointHealth health(int healthyThreshold) {
        return new EndpointHealth(healthyThreshold, 1, EndpointHealth.Listener.NOOP, ticker);
    }

    private Endpoint endpoint(String authority, EndpointHealth health, boolean backup) {
        EndpointAddress address = EndpointAddress.parse(authority);
        return new Endpoint(address, new PoolSettings(address, Duration.ofSeconds(1), 8, Duration.ofSeconds(30),
                Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT),
                CircuitBreaker.of(breakerConfig, ticker, CircuitBreaker.StateListener.NOOP), health,
                loads.of("app", authority), loads.warmthOf("app", authority, ticker.read()), backup);
    }

    private Upstream upstream(int seed, Endpoint... endpoints) {
        return new Upstream(slow, List.of(endpoints), EndpointSelectors.of(slow.loadBalancing()), Bulkhead.of(100),
                ticker, new SplittableRandom(seed));
    }

    @Test
    void aBackupBackShortlyBeforeThePrimariesFailWarmsUpFromItsReturn() {
        EndpointHealth primaryHealth = health(1);
        EndpointHealth recoveringHealth = health(1);
        Endpoint primary = endpoint("10.0.0.1:80", primaryHealth, false);
        Endpoint recovering = endpoint("10.0.0.3:80", recoveringHealth, true);
        Endpoint steady = endpoint("10.0.0.4:80", health(1), true);
        Upstream upstream = upstream(5, primary, recovering, steady);
        assertEquals(100, UpstreamTest.picksOf(upstream, primary, 100));

        recoveringHealth.recordFailure();
        recoveringHealth.recordSuccess(); // back while the primary serves, no request looks at it
        now[0] += Duration.ofSeconds(2).toNanos();
        primaryHealth.recordFailure();

        int taken = UpstreamTest.picksOf(upstream, recovering, 4000);
        assertTrue(taken >= 250 && taken <= 600, taken + " of 4000, 2 s into its window: about a fifth of its half");
    }

    @Test
    void anEndpointThatFailedBeforeAnyRequestReachedItWarmsUpFromItsReturn() {
        EndpointHealth returningHealth = health(1);
        Endpoint returning = endpoint("10.0.0.1:80", returningHealth, false);
        Endpoint steady = endpoint("10.0.0.2:80", health(1), false);
        Upstream upstream = upstream(7, returning, steady);
        returningHealth.recordFailure(); // down at start: out before the first request
        assertEquals(100, UpstreamTest.picksOf(upstream, steady, 100));
        returningHealth.recordSuccess();

        int taken = UpstreamTest.picksOf(upstream, returning, 4000);
        assertTrue(taken >= 120 && taken <= 300, taken + " of 4000 just back: about a tenth of its half");
    }

    @Test
    void anEndpointBackAfterAReloadChangedItsCheckWarmsUpFromItsReturn() {
        EndpointHealth before = health(1);
        Endpoint returning = endpoint("10.0.0.1:80", before, false);
        Upstream first = upstream(11, returning, endpoint("10.0.0.2:80", health(1), false));
        assertEquals(1000, UpstreamTest.picksOf(first, returning, 2000), "warm: its whole half");
        before.recordFailure();

        // A reload changes the thresholds: the verdict carries on under the new check, which it then passes.
        EndpointHealth after = new EndpointHealth(2, 1, before, EndpointHealth.Listener.NOOP, ticker);
        Endpoint reloaded = endpoint("10.0.0.1:80", after, false);
        Upstream second = upstream(13, reloaded, endpoint("10.0.0.2:80", health(1), false));
        assertEquals(0, UpstreamTest.picksOf(second, reloaded, 100), "still out of rotation");
        now[0] += Duration.ofSeconds(1).toNanos();
        after.recordSuccess();
        now[0] += Duration.ofSeconds(1).toNanos();
        after.recordSuccess();

        int taken = UpstreamTest.picksOf(second, reloaded, 4000);
        assertTrue(taken >= 120 && taken <= 300, taken + " of 4000 just back: about a tenth of its half");
    }
}
