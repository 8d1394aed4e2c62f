package dev.rampart.core.resilience;

import dev.rampart.core.config.CircuitBreakerConfig;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.rampart.core.resilience.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A breaker on a fake ticker, its config as fields a test sets before {@link #breaker()}, and its transitions. */
abstract class BreakerFixture {

    protected static final long FAST = Duration.ofMillis(5).toNanos();

    protected final FakeTicker ticker = new FakeTicker();
    protected final List<String> transitions = new CopyOnWriteArrayList<>();

    // PRODUCT defaults
    protected Duration window = Duration.ofSeconds(10);
    protected int minimumCalls = 20;
    protected double failureRateThreshold = 50;
    protected int consecutiveFailures = 5;
    protected Duration slowCallDuration = Duration.ZERO;
    protected double slowCallRateThreshold = 100;
    protected Duration openDuration = Duration.ofSeconds(5);
    protected Duration maxOpenDuration = Duration.ofSeconds(60);
    protected int halfOpenProbes = 3;
    protected boolean enabled = true;
    protected boolean halfOpenOnHealthCheck = true;

    protected CircuitBreakerConfig config() {
        return new CircuitBreakerConfig(enabled, window, minimumCalls, failureRateThreshold,
                consecutiveFailures, slowCallDuration, slowCallRateThreshold, openDuration, maxOpenDuration, halfOpenProbes,
                halfOpenOnHealthCheck);
    }

    protected CircuitBreaker breaker() {
        return CircuitBreaker.of(config(), ticker, (from, to) -> transitions.add(from + "->" + to));
    }

    protected static void succeed(CircuitBreaker breaker, int n) {
        for (int i = 0; i < n; i++) {
            assertTrue(breaker.tryAcquirePermission());
            breaker.onSuccess(FAST);
        }
    }

    protected static void fail(CircuitBreaker breaker, int n) {
        for (int i = 0; i < n; i++) {
            assertTrue(breaker.tryAcquirePermission());
            breaker.onFailure(FAST);
        }
    }

    /** Opens a breaker with the consecutive-failure rule and moves to the end of its open period. */
    protected CircuitBreaker openedAndWaited() {
        consecutiveFailures = 1;
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state());
        ticker.advance(openDuration);
        return breaker;
    }
}
