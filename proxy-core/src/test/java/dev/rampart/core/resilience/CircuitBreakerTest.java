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

/** One breaker's rules on one thread: what opens it, how it recovers, and what it refuses. */
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

    // --- open, half-open, close ---

    @Test
    void anOpenBreakerRefusesUntilTheOpenPeriodPassesThenTurnsHalfOpen() {
        consecutiveFailures = 1;
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        assertEquals(Duration.ofSeconds(5).toNanos(), breaker.nanosUntilHalfOpen());
        assertEquals(5, breaker.secondsUntilHalfOpen());

        ticker.advance(Duration.ofMillis(3_500));
        assertFalse(breaker.tryAcquirePermission());
        assertEquals(Duration.ofMillis(1_500).toNanos(), breaker.nanosUntilHalfOpen());
        assertEquals(2, breaker.secondsUntilHalfOpen(), "rounded up");

        ticker.advance(Duration.ofMillis(1_499));
        assertFalse(breaker.tryAcquirePermission());
        assertEquals(1, breaker.secondsUntilHalfOpen(), "never 0 while still refusing");

        assertEquals(OPEN, breaker.reportedState());
        ticker.advance(Duration.ofMillis(1));
        assertEquals(OPEN, breaker.state(), "reading the state has no side effect");
        assertEquals(HALF_OPEN, breaker.reportedState(), "it would let a probe through: shown as half-open");
        assertEquals(0, breaker.nanosUntilHalfOpen());
        assertTrue(breaker.tryAcquirePermission());
        assertEquals(HALF_OPEN, breaker.state());
        assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN"), transitions);
    }

    @Test
    void halfOpenAdmitsExactlyTheProbesAndClosesWhenAllSucceed() {
        CircuitBreaker breaker = openedAndWaited();
        assertTrue(breaker.tryAcquirePermission());
        assertTrue(breaker.tryAcquirePermission());
        assertTrue(breaker.tryAcquirePermission());
        assertFalse(breaker.tryAcquirePermission(), "only half-open-probes at once");

        breaker.onSuccess(FAST);
        breaker.onSuccess(FAST);
        assertEquals(HALF_OPEN, breaker.state(), "all probes must succeed");
        assertFalse(breaker.tryAcquirePermission(), "a finished probe does not free a new one");
        breaker.onSuccess(FAST);
        assertEquals(CLOSED, breaker.state());
        assertEquals(0, breaker.callsInWindow(), "the window starts over");
        assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED"), transitions);
        assertTrue(breaker.tryAcquirePermission());
    }

    @Test
    void aFailedProbeReopensForTwiceAsLong() {
        CircuitBreaker breaker = openedAndWaited();
        assertTrue(breaker.tryAcquirePermission());
        breaker.onFailure(FAST);
        assertEquals(OPEN, breaker.state());
        assertEquals(Duration.ofSeconds(10).toNanos(), breaker.nanosUntilHalfOpen());
        assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN"), transitions);
    }

    @Test
    void theOpenPeriodDoublesUpToTheMaxAndResetsAfterAClose() {
        CircuitBreaker breaker = openedAndWaited();
        long[] expectedSeconds = {10, 20, 40, 60, 60};
        for (long expected : expectedSeconds) {
            assertTrue(breaker.tryAcquirePermission());
            breaker.onFailure(FAST);
            assertEquals(Duration.ofSeconds(expected).toNanos(), breaker.nanosUntilHalfOpen());
            ticker.advance(Duration.ofSeconds(expected));
        }
        succeed(breaker, 3);
        assertEquals(CLOSED, breaker.state());

        fail(breaker, 1); // consecutive-failures = 1
        assertEquals(OPEN, breaker.state());
        assertEquals(Duration.ofSeconds(5).toNanos(), breaker.nanosUntilHalfOpen(), "back to open-duration");
    }

    @Test
    void afterRecoveringItTakesAWholeNewRunOfFailuresToOpen() {
        consecutiveFailures = 2;
        CircuitBreaker breaker = breaker();
        fail(breaker, 2);
        assertEquals(OPEN, breaker.state());
        ticker.advance(openDuration);
        succeed(breaker, 3);
        assertEquals(CLOSED, breaker.state());

        fail(breaker, 1);
        assertEquals(CLOSED, breaker.state(), "the run that opened it ended with the recovery");
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state());
    }

    @Test
    void aProbeOfExactlyTheSlowDurationIsNotSlow() {
        consecutiveFailures = 1;
        halfOpenProbes = 1;
        slowCallDuration = Duration.ofMillis(100);
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        ticker.advance(openDuration);
        assertTrue(breaker.tryAcquirePermission());

        breaker.onSuccess(slowCallDuration.toNanos());

        assertEquals(CLOSED, breaker.state());
    }

    @Test
    void reopeningNearTheLargestOpenPeriodDoesNotOverflow() {
        // HOCON saturates "practically forever" at Long.MAX_VALUE ns; doubling such a period must stay at the max.
        openDuration = Duration.ofNanos(Long.MAX_VALUE / 2 + 1);
        maxOpenDuration = Duration.ofNanos(Long.MAX_VALUE);
        CircuitBreaker breaker = openedAndWaited();
        assertTrue(breaker.tryAcquirePermission());

        breaker.onFailure(FAST);

        assertEquals(OPEN, breaker.state());
        assertEquals(Long.MAX_VALUE, breaker.nanosUntilHalfOpen());
    }

    @Test
    void aCancelledProbeHandsItsPermitBack() {
        CircuitBreaker breaker = openedAndWaited();
        for (int i = 0; i < 3; i++) {
            assertTrue(breaker.tryAcquirePermission());
        }
        assertFalse(breaker.tryAcquirePermission());
        breaker.onCancelled();
        assertTrue(breaker.tryAcquirePermission(), "the cancelled probe's permit is free again");
        assertFalse(breaker.tryAcquirePermission());
        assertEquals(HALF_OPEN, breaker.state(), "a cancellation is no outcome");
    }

    @Test
    void aCancellationWhileClosedRecordsNothing() {
        CircuitBreaker breaker = breaker();
        assertTrue(breaker.tryAcquirePermission());
        breaker.onCancelled();
        assertEquals(0, breaker.callsInWindow());
        assertEquals(CLOSED, breaker.state());
    }

    @Test
    void lateOutcomesWhileOpenChangeNothing() {
        consecutiveFailures = 1;
        CircuitBreaker breaker = breaker();
        assertTrue(breaker.tryAcquirePermission()); // admitted while closed, finishes late
        fail(breaker, 1);
        long remaining = breaker.nanosUntilHalfOpen();
        breaker.onSuccess(FAST);
        breaker.onFailure(FAST);
        assertEquals(OPEN, breaker.state());
        assertEquals(remaining, breaker.nanosUntilHalfOpen());
        assertEquals(List.of("CLOSED->OPEN"), transitions);
    }

    @Test
    void probesThatNeverReportAreGivenUpAfterTheMaxOpenDuration() {
        CircuitBreaker breaker = openedAndWaited();
        for (int i = 0; i < 3; i++) {
            assertTrue(breaker.tryAcquirePermission());
        }
        ticker.advance(Duration.ofSeconds(59));
        assertFalse(breaker.tryAcquirePermission());
        ticker.advance(Duration.ofSeconds(1));
        assertTrue(breaker.tryAcquirePermission(), "lost probes must not hold the endpoint out forever");
        assertEquals(HALF_OPEN, breaker.state());
    }

    @Test
    void lostProbesAreCountedFromTheLastPermitHandedOut() {
        CircuitBreaker breaker = openedAndWaited();
        assertTrue(breaker.tryAcquirePermission());
        ticker.advance(Duration.ofSeconds(30));
        assertTrue(breaker.tryAcquirePermission());
        assertTrue(breaker.tryAcquirePermission());
        ticker.advance(Duration.ofSeconds(30));
        assertFalse(breaker.tryAcquirePermission(), "the last probe went out 30 s ago: it may still answer");
        ticker.advance(Duration.ofSeconds(30));
        assertTrue(breaker.tryAcquirePermission(), "60 s after the last permit the probes count as lost");
    }

    @Test
    void aProbeThatIsOnlySlowerThanTheMaxOpenDurationIsWaitedForUntilItsCallMayEnd() {
        CircuitBreaker breaker = openedAndWaited();
        breaker.expectCallsWithin(Duration.ofSeconds(90).toNanos()); // a route timeout longer than max-open-duration
        for (int i = 0; i < 3; i++) {
            assertTrue(breaker.tryAcquirePermission());
        }
        ticker.advance(Duration.ofSeconds(61));
        assertFalse(breaker.tryAcquirePermission(), "the probes may still answer: no fourth one");
        ticker.advance(Duration.ofSeconds(29));
        assertTrue(breaker.tryAcquirePermission(), "past the longest call, the probes count as lost");
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
