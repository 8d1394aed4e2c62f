package dev.rampart.core.resilience;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.rampart.core.resilience.CircuitBreaker.State.CLOSED;
import static dev.rampart.core.resilience.CircuitBreaker.State.HALF_OPEN;
import static dev.rampart.core.resilience.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Half-open is decided by its probes: a call admitted before the breaker opened that ends during half-open
 * is no probe, and a probe as slow as the calls that opened the breaker is no recovery.
 */
class CircuitBreakerStaleCallsTest extends BreakerFixture {

    /** Admits a call while closed, then trips the breaker and lets it turn half-open with one probe out. */
    private long staleCallThenHalfOpenWithAProbe(CircuitBreaker breaker) {
        assertTrue(breaker.tryAcquirePermission());
        long admittedWhileClosed = breaker.phase();
        assertTrue(breaker.tryAcquirePermission());
        breaker.onFailure(FAST, breaker.phase()); // consecutive-failures = 1
        assertEquals(OPEN, breaker.state());
        ticker.advance(openDuration);
        assertTrue(breaker.tryAcquirePermission(), "the first probe");
        assertEquals(HALF_OPEN, breaker.state());
        return admittedWhileClosed;
    }

    @Test
    void aSlowCallAdmittedWhileClosedIsNoProbeWhenItSucceedsDuringHalfOpen() {
        consecutiveFailures = 1;
        halfOpenProbes = 2;
        CircuitBreaker breaker = breaker();
        long stale = staleCallThenHalfOpenWithAProbe(breaker);
        long probe = breaker.phase();

        breaker.onSuccess(FAST, stale);
        breaker.onSuccess(FAST, probe);
        assertEquals(HALF_OPEN, breaker.state(), "one real probe of two succeeded; the stale call counts for nothing");

        assertTrue(breaker.tryAcquirePermission(), "the second probe");
        breaker.onSuccess(FAST, probe);
        assertEquals(CLOSED, breaker.state());
    }

    @Test
    void aSlowCallAdmittedWhileClosedThatFailsDuringHalfOpenDoesNotReopenIt() {
        consecutiveFailures = 1;
        halfOpenProbes = 1;
        CircuitBreaker breaker = breaker();
        long stale = staleCallThenHalfOpenWithAProbe(breaker);
        long probe = breaker.phase();

        breaker.onFailure(FAST, stale);
        assertEquals(HALF_OPEN, breaker.state());
        breaker.onSuccess(FAST, probe);
        assertEquals(CLOSED, breaker.state(), "the probe decides");
    }

    @Test
    void aStaleCallsCancellationHandsBackNoProbePermit() {
        consecutiveFailures = 1;
        halfOpenProbes = 1;
        CircuitBreaker breaker = breaker();
        long stale = staleCallThenHalfOpenWithAProbe(breaker);

        breaker.onCancelled(stale);

        assertFalse(breaker.tryAcquirePermission(), "the one probe permit is still out: no second probe at once");
    }

    @Test
    void aProbesOwnCancellationHandsItsPermitBack() {
        halfOpenProbes = 1;
        CircuitBreaker breaker = openedAndWaited();
        assertTrue(breaker.tryAcquirePermission(), "the probe");
        long admittedIn = breaker.phase();
        assertFalse(breaker.tryAcquirePermission(), "its one permit is out");

        breaker.onCancelled(admittedIn); // the client left before the probe's answer: it says nothing either way

        assertTrue(breaker.tryAcquirePermission(), "so another request may probe at once");
    }

    @Test
    void aSlowProbeReopensABreakerThatWatchesSlowCalls() {
        consecutiveFailures = 1;
        halfOpenProbes = 1;
        slowCallDuration = Duration.ofMillis(100);
        CircuitBreaker breaker = breaker();
        assertTrue(breaker.tryAcquirePermission());
        breaker.onFailure(FAST);
        ticker.advance(openDuration);
        assertTrue(breaker.tryAcquirePermission(), "the probe");

        breaker.onSuccess(Duration.ofMillis(300).toNanos());

        assertEquals(OPEN, breaker.state(), "answered, but as slowly as before: not recovered");
        assertEquals(openDuration.multipliedBy(2).toNanos(), breaker.nanosUntilHalfOpen(), "and for twice as long");
    }
}
