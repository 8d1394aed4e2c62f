package dev.rampart.core.resilience;

import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.resilience.CircuitBreaker.State;
import dev.rampart.core.testing.LogCapture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BreakerRegistryTest {

    private static final EndpointAddress A = EndpointAddress.parse("10.0.0.1:8081");
    private static final EndpointAddress B = EndpointAddress.parse("10.0.0.2:8081");

    private final FakeTicker ticker = new FakeTicker();
    private final List<String> transitions = new CopyOnWriteArrayList<>();
    private final BreakerRegistry registry = new BreakerRegistry(ticker,
            (upstream, endpoint, from, to) -> transitions.add(upstream + " " + endpoint + " " + from + "->" + to));

    private static CircuitBreakerConfig config(int consecutiveFailures) {
        return new CircuitBreakerConfig(true, Duration.ofSeconds(10), 20, 50, consecutiveFailures, Duration.ZERO, 100,
                Duration.ofSeconds(5), Duration.ofSeconds(60), 3);
    }

    private static void trip(CircuitBreaker breaker) {
        assertTrue(breaker.tryAcquirePermission());
        breaker.onFailure(1);
        assertEquals(State.OPEN, breaker.state());
    }

    @Test
    void theSameEndpointAndConfigGetTheSameBreakerWithItsState() {
        CircuitBreaker first = registry.get("app", A, config(1));
        trip(first);
        CircuitBreaker again = registry.get("app", EndpointAddress.parse("10.0.0.1:8081"), config(1));
        assertSame(first, again, "an equal config after a reload keeps the breaker");
        assertEquals(State.OPEN, again.state());
    }

    @Test
    void aChangedConfigGetsAFreshBreaker() {
        CircuitBreaker old = registry.get("app", A, config(1));
        trip(old);
        CircuitBreaker fresh = registry.get("app", A, config(2));
        assertNotSame(old, fresh);
        assertEquals(State.CLOSED, fresh.state());
    }

    /** Disabled breakers were one shared object: kept for any other disabled one, the old entry stayed listed. */
    @Test
    void enablingOneOfTwoDisabledBreakersListsItsEndpointOnce() {
        CircuitBreakerConfig disabled = new CircuitBreakerConfig(false, Duration.ofSeconds(10), 20, 50, 5,
                Duration.ZERO, 100, Duration.ofSeconds(5), Duration.ofSeconds(60), 3);
        registry.get("raw", A, disabled);
        CircuitBreaker stillDisabled = registry.get("app", B, disabled);
        CircuitBreaker enabled = registry.get("raw", A, config(1)); // the reload enables raw's breaker
        registry.retainOnly(List.of(enabled, stillDisabled));

        trip(enabled);

        assertEquals(List.of("app 10.0.0.2:8081 CLOSED", "raw 10.0.0.1:8081 OPEN"), registry.snapshot().stream()
                .map(b -> b.upstream() + " " + b.endpoint() + " " + b.state()).toList());
    }

    @Test
    void aBreakerAReloadReplacedReportsNoTransitions() {
        CircuitBreaker old = registry.get("app", A, config(1));
        CircuitBreaker fresh = registry.get("app", A, config(2)); // the reload changed the breaker config
        registry.retainOnly(List.of(fresh));

        trip(old); // a retry of the old config's request, still in flight

        assertEquals(List.of(), transitions, "the metrics show the fresh breaker, which is closed");
        fresh.tryAcquirePermission();
        fresh.onFailure(1);
        trip(fresh);
        assertEquals(List.of("app 10.0.0.1:8081 CLOSED->OPEN"), transitions);
    }

    @Test
    void eachTransitionIsLoggedOnceWithItsEndpointAndUpstream() {
        try (LogCapture logs = LogCapture.start()) {
            CircuitBreaker breaker = registry.get("app", A, config(1));
            trip(breaker);
            ticker.advance(Duration.ofSeconds(6));
            assertTrue(breaker.tryAcquirePermission(), "the half-open probe");
            breaker.onSuccess(1);

            String dump = logs.dump();
            assertTrue(dump.contains("WARN dev.rampart.core.resilience.BreakerRegistry - circuit breaker of endpoint"
                    + " 10.0.0.1:8081 of upstream app opened"), dump);
            assertTrue(dump.contains("circuit breaker of endpoint 10.0.0.1:8081 of upstream app is half-open"), dump);
            assertEquals(1, dump.split("opened;", -1).length - 1, dump);
        }
    }

    @Test
    void theOpenLineNamesNoHealthCheckTheEndpointMayNotHaveNorBeAbleToUse() {
        try (LogCapture logs = LogCapture.start()) {
            CircuitBreaker breaker = registry.get("app", A, config(1)); // half-open-on-health-check on, the default
            trip(breaker);
            ticker.advance(Duration.ofSeconds(1));
            assertTrue(breaker.halfOpenOnHealthCheck(breaker.openSinceNanos()));
            assertTrue(breaker.tryAcquirePermission(), "the half-open probe");
            breaker.onFailure(1); // open again, the one early end spent: no check may end this period

            String dump = logs.dump();
            assertEquals(2, dump.split("opened; calls skip it until probes after its open period succeed", -1).length
                    - 1, dump);
            assertFalse(dump.contains("or after its health check passes"), dump);
            assertTrue(dump.contains("is half-open before its open period ended: its health check passed"), dump);
        }
    }

    @Test
    void endpointsAndUpstreamsHaveTheirOwnBreakers() {
        CircuitBreaker a = registry.get("app", A, config(1));
        assertNotSame(a, registry.get("app", B, config(1)));
        assertNotSame(a, registry.get("other", A, config(1)));
    }

    @Test
    void theEndpointIsKeyedByHostAndPort() {
        assertSame(registry.get("app", EndpointAddress.parse("http://10.0.0.1:8081"), config(1)),
                registry.get("app", A, config(1)));
    }

    @Test
    void aBreakerInUseIsKeptHoweverLongNobodyAsksForIt() {
        CircuitBreaker breaker = registry.get("app", A, config(1));
        trip(breaker);
        ticker.advance(Duration.ofHours(5)); // requests reach it through their endpoint, never through here

        assertSame(breaker, registry.get("app", A, config(1)), "a reload an hour later finds the same breaker");
        assertEquals(1, registry.snapshot().size(), "and the admin view still lists it");
    }

    @Test
    void retainingTheBreakersInUseForgetsRemovedEndpointsAndOldConfigs() {
        CircuitBreaker removed = registry.get("app", B, config(1));
        CircuitBreaker oldConfig = registry.get("app", A, config(1));
        trip(removed);
        trip(oldConfig);
        CircuitBreaker current = registry.get("app", A, config(2)); // the reloaded config

        registry.retainOnly(List.of(current));

        assertEquals(List.of(new BreakerSnapshot("app", "10.0.0.1:8081", State.CLOSED, 0.0, 0, 0)),
                List.copyOf(registry.snapshot()));
        assertNotSame(removed, registry.get("app", B, config(1)), "an endpoint added back starts afresh");
    }

    @Test
    void transitionsAreReportedWithUpstreamAndEndpoint() {
        trip(registry.get("app", A, config(1)));
        assertEquals(List.of("app 10.0.0.1:8081 CLOSED->OPEN"), transitions);
    }

    @Test
    void theSnapshotShowsABreakerPastItsOpenPeriodAsHalfOpenThoughNoCallCameToTurnIt() {
        CircuitBreaker breaker = registry.get("app", A, config(1));
        trip(breaker);
        ticker.advance(Duration.ofSeconds(5)); // the open period of config(1)

        assertEquals(State.HALF_OPEN, registry.snapshot().iterator().next().state());
        assertEquals(State.OPEN, breaker.state(), "the breaker itself turns when a call asks");
    }

    @Test
    void theSnapshotShowsEveryBreakerSorted() {
        trip(registry.get("app", B, config(1)));
        CircuitBreaker a = registry.get("app", A, config(1));
        a.tryAcquirePermission();
        a.onSuccess(1);
        registry.get("api", A, config(1));
        ticker.advance(Duration.ofMillis(1_500));

        assertEquals(List.of(
                new BreakerSnapshot("api", "10.0.0.1:8081", State.CLOSED, 0.0, 0, 0),
                new BreakerSnapshot("app", "10.0.0.1:8081", State.CLOSED, 0.0, 1, 0),
                new BreakerSnapshot("app", "10.0.0.2:8081", State.OPEN, 100.0, 1, 4)),
                List.copyOf(registry.snapshot()));
    }

    @Test
    void aDisabledConfigGivesABreakerThatAlwaysAdmits() {
        CircuitBreakerConfig disabled = new CircuitBreakerConfig(false, Duration.ofSeconds(10), 20, 50, 1, Duration.ZERO,
                100, Duration.ofSeconds(5), Duration.ofSeconds(60), 3);
        CircuitBreaker breaker = registry.get("app", A, disabled);
        breaker.onFailure(1);
        assertTrue(breaker.tryAcquirePermission());
        assertTrue(transitions.isEmpty());
    }
}
