package dev.rampart.core.resilience;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.rampart.core.resilience.CircuitBreaker.State.CLOSED;
import static dev.rampart.core.resilience.CircuitBreaker.State.HALF_OPEN;
import static dev.rampart.core.resilience.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edges of the breaker's settings and states that the main tests pass by: thresholds at 0, equal open
 * durations, the time left while half-open, and {@link CircuitBreaker#wouldPermit}, which picks endpoints.
 */
class CircuitBreakerEdgesTest extends BreakerFixture {

    @Test
    void aSlowCallRateThresholdOfZeroNeedsASlowCallToOpen() {
        minimumCalls = 5;
        consecutiveFailures = 0;
        slowCallDuration = Duration.ofSeconds(1);
        slowCallRateThreshold = 0;
        CircuitBreaker breaker = breaker();
        succeed(breaker, 10);
        assertEquals(CLOSED, breaker.state(), "fast calls only: no rate of slow calls to reach");

        assertTrue(breaker.tryAcquirePermission());
        breaker.onSuccess(Duration.ofSeconds(2).toNanos());
        assertEquals(OPEN, breaker.state(), "one slow call is at or above 0 %");
    }

    @Test
    void aWindowUnderTenNanosecondsTripsOnWhatItCounts() {
        // Ten buckets of at least a nanosecond each: the window spans 10 ns, more than the 5 ns asked for.
        window = Duration.ofNanos(5);
        minimumCalls = 2;
        consecutiveFailures = 0;
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        ticker.advance(Duration.ofNanos(9));
        succeed(breaker, 1);
        assertEquals(2, breaker.callsInWindow(), "the failure is still in the window's ten buckets");
        assertEquals(OPEN, breaker.state(), "1 failure in 2 calls is 50 %: the window it counts trips it");
    }

    @Test
    void aSuccessThatCompletesTheMinimumCallsTripsAWindowOfPracticallyForever() {
        // HOCON saturates a duration like 110000d at Long.MAX_VALUE nanoseconds: a window that never forgets.
        window = Duration.ofNanos(Long.MAX_VALUE);
        minimumCalls = 2;
        consecutiveFailures = 0;
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        ticker.advance(Duration.ofSeconds(1));
        succeed(breaker, 1);
        assertEquals(2, breaker.callsInWindow());
        assertEquals(OPEN, breaker.state(), "1 failure in 2 calls is the 50 % threshold, however long the window");
    }

    @Test
    void aSuccessThatCompletesTheMinimumCallsTripsOnAFailureFromNearlyAWindowAgo() {
        minimumCalls = 2;
        consecutiveFailures = 0;
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        ticker.advance(Duration.ofMillis(8_900)); // a 10 s window of 1 s buckets keeps at least the last 9 s
        succeed(breaker, 1);
        assertEquals(OPEN, breaker.state(), "1 failure in 2 calls is the 50 % threshold");
    }

    @Test
    void aSuccessLongAfterTheLastFailureFindsNoRateToTrip() {
        minimumCalls = 2;
        consecutiveFailures = 0;
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        ticker.advance(Duration.ofSeconds(12)); // out of the window
        succeed(breaker, 1);
        assertEquals(CLOSED, breaker.state());
        assertEquals(1, breaker.callsInWindow(), "only the success is left in the window");
    }

    @Test
    void halfOpenHasNoTimeLeftUntilHalfOpen() {
        CircuitBreaker breaker = openedAndWaited();
        assertTrue(breaker.tryAcquirePermission());
        assertEquals(HALF_OPEN, breaker.state());
        ticker.advance(Duration.ofSeconds(1));
        assertEquals(0, breaker.nanosUntilHalfOpen());
    }

    @Test
    void anOpenDurationAsLongAsItsMaximumIsAllowedAndNeverGrows() {
        consecutiveFailures = 1;
        halfOpenProbes = 1;
        maxOpenDuration = openDuration;
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        ticker.advance(openDuration);
        assertTrue(breaker.tryAcquirePermission(), "the probe");
        breaker.onFailure(FAST);
        assertEquals(OPEN, breaker.state());
        assertEquals(openDuration.toNanos(), breaker.nanosUntilHalfOpen(), "reopened for no longer than the maximum");
    }

    @Test
    void callsExpectedWithinNoTimeAreAllowed() {
        CircuitBreaker breaker = breaker();
        assertDoesNotThrow(() -> breaker.expectCallsWithin(0)); // an upstream with no per-try timeout of its own
    }

    @Test
    void wouldPermitFollowsWhatTryAcquirePermissionWouldAnswer() {
        consecutiveFailures = 1;
        halfOpenProbes = 1;
        CircuitBreaker breaker = breaker();
        assertTrue(breaker.wouldPermit(), "closed");
        fail(breaker, 1);
        assertFalse(breaker.wouldPermit(), "open");
        ticker.advance(openDuration.minusNanos(1));
        assertFalse(breaker.wouldPermit(), "open until its duration has passed");
        ticker.advance(Duration.ofNanos(1));
        assertTrue(breaker.wouldPermit(), "due for half-open");
        assertTrue(breaker.tryAcquirePermission(), "the probe");
        assertFalse(breaker.wouldPermit(), "half-open with its one probe permit out");
        ticker.advance(Duration.ofHours(1));
        assertTrue(breaker.wouldPermit(), "a round whose permits were out that long starts again");
    }
}
