package dev.rampart.core.resilience;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.rampart.core.resilience.CircuitBreaker.State.CLOSED;
import static dev.rampart.core.resilience.CircuitBreaker.State.HALF_OPEN;
import static dev.rampart.core.resilience.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One breaker's rules on one thread: what opens it and what it refuses ({@link BreakerRecoveryTest}: how it recovers). */
class CircuitBreakerTest extends BreakerFixture {

    // --- failure rate ---

    @Test
    void aFailureRateAtTheThresholdOpens() {
        consecutiveFailures = 0;
        CircuitBreaker breaker = breaker();
        succeed(breaker, 10);
        fail(breaker, 9);
        assertEquals(CLOSED, breaker.state(), "19 calls: below minimum-calls");
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state(), "10 of 20 = 50%");
        assertEquals(List.of("CLOSED->OPEN"), transitions);
        assertFalse(breaker.tryAcquirePermission());
        assertEquals(50.0, breaker.failureRate());
        assertEquals(20, breaker.callsInWindow());
    }

    @Test
    void aFailureRateBelowTheThresholdStaysClosed() {
        consecutiveFailures = 0;
        CircuitBreaker breaker = breaker();
        succeed(breaker, 11);
        fail(breaker, 9);
        assertEquals(CLOSED, breaker.state());
        assertEquals(45.0, breaker.failureRate());
        assertTrue(breaker.tryAcquirePermission());
    }

    @Test
    void noRateTripBelowMinimumCalls() {
        consecutiveFailures = 0;
        CircuitBreaker breaker = breaker();
        fail(breaker, 19);
        assertEquals(CLOSED, breaker.state(), "100% failures, but only 19 calls");
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state());
    }

    @Test
    void failuresSlideOutOfTheWindow() {
        consecutiveFailures = 0;
        minimumCalls = 4;
        CircuitBreaker breaker = breaker();
        fail(breaker, 3);
        ticker.advance(Duration.ofSeconds(11));
        assertEquals(0, breaker.callsInWindow());
        fail(breaker, 1);
        assertEquals(CLOSED, breaker.state(), "the first three failures are older than the window");
        assertEquals(1, breaker.callsInWindow());
    }

    @Test
    void aZeroThresholdTripsOnTheFirstFailureNotOnSuccesses() {
        consecutiveFailures = 0;
        failureRateThreshold = 0;
        minimumCalls = 2;
        CircuitBreaker breaker = breaker();
        succeed(breaker, 10);
        assertEquals(CLOSED, breaker.state());
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state());
    }

    // --- consecutive failures ---

    @Test
    void consecutiveFailuresOpenBelowMinimumCalls() {
        CircuitBreaker breaker = breaker();
        fail(breaker, 4);
        assertEquals(CLOSED, breaker.state());
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state(), "5 in a row with only 5 calls in the window");
    }

    @Test
    void aSuccessBreaksTheRun() {
        CircuitBreaker breaker = breaker();
        fail(breaker, 4);
        succeed(breaker, 1);
        fail(breaker, 4);
        assertEquals(CLOSED, breaker.state());
    }

    @Test
    void zeroConsecutiveFailuresTurnsTheRuleOff() {
        consecutiveFailures = 0;
        minimumCalls = 1_000;
        CircuitBreaker breaker = breaker();
        fail(breaker, 500);
        assertEquals(CLOSED, breaker.state());
    }

    // --- slow calls ---

    @Test
    void aSlowCallRateAtTheThresholdOpens() {
        consecutiveFailures = 0;
        failureRateThreshold = 100;
        minimumCalls = 4;
        slowCallDuration = Duration.ofSeconds(1);
        slowCallRateThreshold = 50;
        CircuitBreaker breaker = breaker();
        succeed(breaker, 2);
        breaker.tryAcquirePermission();
        breaker.onSuccess(Duration.ofSeconds(2).toNanos());
        assertEquals(CLOSED, breaker.state(), "3 calls: below minimum-calls");
        breaker.tryAcquirePermission();
        breaker.onSuccess(Duration.ofSeconds(1).plusNanos(1).toNanos());
        assertEquals(OPEN, breaker.state(), "2 slow of 4 = 50%, although every call succeeded");
    }

    @Test
    void aSlowCallRateBelowTheThresholdStaysClosed() {
        consecutiveFailures = 0;
        minimumCalls = 4;
        slowCallDuration = Duration.ofSeconds(1);
        slowCallRateThreshold = 50;
        CircuitBreaker breaker = breaker();
        succeed(breaker, 3);
        breaker.tryAcquirePermission();
        breaker.onSuccess(Duration.ofSeconds(2).toNanos());
        assertEquals(CLOSED, breaker.state(), "1 slow of 4 = 25%");
    }

    @Test
    void aCallOfExactlyTheSlowDurationIsNotSlow() {
        consecutiveFailures = 0;
        minimumCalls = 1;
        slowCallDuration = Duration.ofSeconds(1);
        slowCallRateThreshold = 50;
        CircuitBreaker breaker = breaker();
        breaker.onSuccess(Duration.ofSeconds(1).toNanos());
        assertEquals(CLOSED, breaker.state());
    }

    @Test
    void slowCallsAreIgnoredWhenTheSlowDurationIsZero() {
        consecutiveFailures = 0;
        minimumCalls = 1;
        slowCallRateThreshold = 1;
        CircuitBreaker breaker = breaker();
        for (int i = 0; i < 50; i++) {
            breaker.onSuccess(Duration.ofMinutes(10).toNanos());
        }
        assertEquals(CLOSED, breaker.state());
    }

    // --- disabled, listener, arguments ---

    @Test
    void aDisabledBreakerAlwaysAdmits() {
        enabled = false;
        CircuitBreaker breaker = breaker();
        for (int i = 0; i < 1_000; i++) {
            assertTrue(breaker.tryAcquirePermission());
            breaker.onFailure(FAST);
        }
        assertEquals(CLOSED, breaker.state());
        assertEquals(0, breaker.secondsUntilHalfOpen());
        assertTrue(transitions.isEmpty());
    }

    @Test
    void aThrowingListenerDoesNotBreakTheBreaker() {
        consecutiveFailures = 1;
        CircuitBreaker breaker = CircuitBreaker.of(config(), ticker, (from, to) -> {
            throw new IllegalStateException("metrics are down");
        });
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state());
    }

    @Test
    void theStateGaugeValuesAreThoseOfTheMetric() {
        assertEquals(0, CLOSED.gaugeValue());
        assertEquals(1, HALF_OPEN.gaugeValue());
        assertEquals(2, OPEN.gaugeValue());
    }

    @Test
    void badConfigIsRejected() {
        halfOpenProbes = 0;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::breaker);
        assertEquals("halfOpenProbes: 0 (expected: >= 1)", e.getMessage());
        halfOpenProbes = 3;
        failureRateThreshold = 101;
        e = assertThrows(IllegalArgumentException.class, this::breaker);
        assertEquals("failureRateThreshold: 101.0 (expected: 0-100)", e.getMessage());
        failureRateThreshold = 50;
        maxOpenDuration = Duration.ofSeconds(1);
        e = assertThrows(IllegalArgumentException.class, this::breaker);
        assertEquals("maxOpenDuration: PT1S (expected: >= openDuration PT5S)", e.getMessage());
        maxOpenDuration = Duration.ofSeconds(60);
        CircuitBreaker breaker = breaker();
        e = assertThrows(IllegalArgumentException.class, () -> breaker.onSuccess(-1));
        assertEquals("durationNanos: -1 (expected: >= 0)", e.getMessage());
    }
}
