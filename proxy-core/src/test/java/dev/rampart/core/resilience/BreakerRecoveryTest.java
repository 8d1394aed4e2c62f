package dev.rampart.core.resilience;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.rampart.core.resilience.CircuitBreaker.State.CLOSED;
import static dev.rampart.core.resilience.CircuitBreaker.State.HALF_OPEN;
import static dev.rampart.core.resilience.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How an open breaker recovers: it refuses until its open period passes, admits exactly its probes half-open,
 * closes when they succeed and opens again for longer when one fails; probes that are cancelled, lost or slow are
 * accounted for so that it never stays half-open for ever.
 */
class BreakerRecoveryTest extends BreakerFixture {

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
}
