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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a retry goes once it has tried every endpoint, where a keyed request goes, when the upstream says it ignores
 * health (panic mode), and what an endpoint tells about itself.
 */
class RetryAndKeyedPickTest {

    private final long[] now = {0};
    private final Ticker ticker = () -> now[0];
    private final CircuitBreakerConfig breakerConfig = new CircuitBreakerConfig(true, Duration.ofSeconds(10), 100,
            50, 1, Duration.ZERO, 100, Duration.ofSeconds(30), Duration.ofSeconds(60), 1);

    private static UpstreamConfig app(String body) {
        return ConfigLoader.parse("rampart { upstreams { app { " + body + " } }, routes = [ { upstream = app } ] }",
                "test.conf").upstreams().get("app");
    }

    private Endpoint endpoint(String authority, EndpointHealth health) {
        EndpointAddress address = EndpointAddress.parse(authority);
        return new Endpoint(address, new PoolSettings(address, Duration.ofSeconds(1), 8, Duration.ofSeconds(30),
                Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT),
                CircuitBreaker.of(breakerConfig, ticker, CircuitBreaker.StateListener.NOOP), health);
    }

    private Endpoint healthy(String authority) {
        return endpoint(authority, new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP));
    }

    private static Upstream upstream(UpstreamConfig config, Endpoint... endpoints) {
        return new Upstream(config, List.of(endpoints), EndpointSelectors.of(config.loadBalancing()), Bulkhead.of(100));
    }

    private static void release(Endpoint endpoint) {
        endpoint.breaker().onSuccess(1);
    }

    @Test
    void aRetryThatTriedEveryEndpointGoesRoundAgainToTheOneTriedLongestAgo() {
        UpstreamConfig config = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\"]");
        Endpoint a = healthy("10.0.0.1:80");
        Endpoint b = healthy("10.0.0.2:80");
        Upstream upstream = upstream(config, a, b);
        for (int i = 0; i < 6; i++) {
            Endpoint afterB = upstream.pick(List.of(a, b));
            assertSame(a, afterB, "retry " + i + ": b failed last, so not straight back to it");
            release(afterB);
        }
        for (int i = 0; i < 6; i++) {
            Endpoint afterA = upstream.pick(List.of(b, a));
            assertSame(b, afterA, "retry " + i + ": a failed last, so not straight back to it");
            release(afterA);
        }
    }

    @Test
    void aRetryOfTheOnlyEndpointGoesBackToIt() {
        UpstreamConfig config = app("endpoints = [\"10.0.0.1:80\"]");
        Endpoint only = healthy("10.0.0.1:80");
        Upstream upstream = upstream(config, only);
        assertSame(only, upstream.pick(List.of(only)), "nothing else to go to: the retry is not refused");
    }

    @Test
    void requestsWithTheSameKeyGoToTheSameEndpointAndKeysSpreadOverThem() {
        UpstreamConfig config = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\", \"10.0.0.3:80\"],"
                + " load-balancing = consistent-hash");
        Endpoint a = healthy("10.0.0.1:80");
        Endpoint b = healthy("10.0.0.2:80");
        Endpoint c = healthy("10.0.0.3:80");
        Upstream upstream = new Upstream(config, List.of(a, b, c), EndpointSelectors.forEndpoints(config.loadBalancing(),
                List.of("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"), new int[] {1, 1, 1}, null), Bulkhead.of(100));
        Set<Endpoint> used = new HashSet<>();
        for (long key = 1; key <= 60; key++) {
            long hash = key * 0x9E3779B97F4A7C15L;
            Endpoint first = upstream.pick(List.of(), hash);
            release(first);
            used.add(first);
            for (int again = 0; again < 5; again++) {
                Endpoint same = upstream.pick(List.of(), hash);
                release(same);
                assertSame(first, same, "key " + key + " stays on its endpoint, not a rotation's turn");
            }
        }
        assertEquals(3, used.size(), "sixty keys spread over all three endpoints");
    }

    @Test
    void theUpstreamSaysItIgnoresHealthExactlyWhenNoEndpointPassesItsCheck() {
        UpstreamConfig config = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\"]");
        EndpointHealth aHealth = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP);
        EndpointHealth bHealth = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP);
        Upstream upstream = upstream(config, endpoint("10.0.0.1:80", aHealth), endpoint("10.0.0.2:80", bHealth));
        assertFalse(upstream.panicking());
        aHealth.recordFailure();
        assertFalse(upstream.panicking(), "b still passes");
        bHealth.recordFailure();
        assertTrue(upstream.panicking(), "none passes: traffic goes on to all (panic mode)");
        bHealth.recordSuccess();
        assertFalse(upstream.panicking());
    }

    @Test
    void anEndpointTellsItsAddressHostHeaderAndAttemptsInFlightSharedWithItsNamesakes() {
        EndpointLoads loads = new EndpointLoads();
        AtomicInteger shared = loads.of("app", "backend.example:80");
        EndpointAddress address = EndpointAddress.parse("backend.example:80");
        PoolSettings settings = new PoolSettings(address, Duration.ofSeconds(1), 8, Duration.ofSeconds(30),
                Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT);
        CircuitBreaker breaker = CircuitBreaker.of(breakerConfig, ticker, CircuitBreaker.StateListener.NOOP);
        Endpoint before = new Endpoint(address, settings, breaker, EndpointHealth.unchecked(), shared,
                Warmth.ofFirstConfig(), false);
        Endpoint after = new Endpoint(address, settings, breaker, EndpointHealth.unchecked(),
                loads.of("app", "backend.example:80"), Warmth.ofFirstConfig(), false);

        assertEquals("backend.example:80", before.label());
        assertEquals("backend.example:80", before.toString());
        assertEquals("backend.example", before.hostHeader(), "no default port in the Host header");
        assertSame(address, before.address());
        assertSame(settings, before.poolSettings());
        before.attemptStarted();
        before.attemptStarted();
        assertEquals(2, after.inFlight(), "a reload's namesake sees the attempts still in flight");
        after.attemptEnded();
        assertEquals(1, before.inFlight());
    }
}
