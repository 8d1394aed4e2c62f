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
 * A passing health check ends an open period early, to half-open (not closed): the probes then decide as after any
 * period, a failed round still doubles the period, and it happens once between two closings, so that a check that
 * passes while calls fail lets no more failing rounds through than the periods do.
 */
class HealthCheckEndsOpenPeriodTest extends BreakerFixture {

    private CircuitBreaker opened() {
        consecutiveFailures = 1;
        CircuitBreaker breaker = breaker();
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state());
        return breaker;
    }

    @Test
    void aPassEndsThePeriodToHalfOpenAndTheProbesCloseIt() {
        CircuitBreaker breaker = opened();
        long openedAt = breaker.openSinceNanos();
        ticker.advance(Duration.ofSeconds(1));

        assertTrue(breaker.halfOpenOnHealthCheck(openedAt));
        assertEquals(HALF_OPEN, breaker.state(), "half-open, not closed: calls still have to succeed");
        assertEquals(CircuitBreaker.NOT_OPEN, breaker.openSinceNanos());
        succeed(breaker, 2);
        assertEquals(HALF_OPEN, breaker.state());
        succeed(breaker, 1);
        assertEquals(CLOSED, breaker.state());
        assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED"), transitions);
    }

    @Test
    void aFailedProbeAfterAnEarlyEndOpensForTheDoubledPeriodAndNoPassEndsItAgainUntilTheBreakerCloses() {
        CircuitBreaker breaker = opened();
        ticker.advance(Duration.ofSeconds(1));
        assertTrue(breaker.halfOpenOnHealthCheck(breaker.openSinceNanos()));
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state());
        assertEquals(Duration.ofSeconds(10).toNanos(), breaker.nanosUntilHalfOpen(), "5 s doubled, as after any round");

        ticker.advance(Duration.ofSeconds(1));
        assertFalse(breaker.halfOpenOnHealthCheck(breaker.openSinceNanos()),
                "a check that passes while calls fail does not cut the next period short");
        assertFalse(breaker.tryAcquirePermission());
        ticker.advance(Duration.ofSeconds(9));
        fail(breaker, 1); // the period ran out: a round, which fails again
        assertEquals(Duration.ofSeconds(20).toNanos(), breaker.nanosUntilHalfOpen(), "the step goes on doubling");
        ticker.advance(Duration.ofSeconds(1));
        assertFalse(breaker.halfOpenOnHealthCheck(breaker.openSinceNanos()), "not after a round of its own either");

        ticker.advance(Duration.ofSeconds(19));
        succeed(breaker, 3);
        assertEquals(CLOSED, breaker.state());
        fail(breaker, 1);
        ticker.advance(Duration.ofSeconds(1));
        assertTrue(breaker.halfOpenOnHealthCheck(breaker.openSinceNanos()), "closed since: a pass may end a period again");
        assertEquals(HALF_OPEN, breaker.state());
    }

    @Test
    void aPassEndsNoPeriodButTheOneItCountedIn() {
        CircuitBreaker breaker = opened();
        long firstPeriod = breaker.openSinceNanos();
        ticker.advance(openDuration);
        fail(breaker, 1); // the round after the period fails: a new period
        ticker.advance(Duration.ofSeconds(1));
        assertFalse(breaker.halfOpenOnHealthCheck(firstPeriod), "passes counted in the first period");
        assertEquals(OPEN, breaker.state());
        assertTrue(breaker.halfOpenOnHealthCheck(breaker.openSinceNanos()));
    }

    @Test
    void aPeriodAlreadyOverIsLeftToTheNextCall() {
        CircuitBreaker breaker = opened();
        ticker.advance(openDuration);
        assertFalse(breaker.halfOpenOnHealthCheck(breaker.openSinceNanos()));
        assertEquals(OPEN, breaker.state());
        assertTrue(breaker.tryAcquirePermission(), "the call turns it half-open, as without a check");
        assertEquals(HALF_OPEN, breaker.state());
    }

    @Test
    void turnedOffThePeriodIsWaitedOut() {
        halfOpenOnHealthCheck = false;
        CircuitBreaker breaker = opened();
        ticker.advance(Duration.ofSeconds(1));
        assertFalse(breaker.halfOpenOnHealthCheck(breaker.openSinceNanos()));
        assertEquals(OPEN, breaker.state());
        assertEquals(Duration.ofSeconds(4).toNanos(), breaker.nanosUntilHalfOpen());
    }

    @Test
    void aBreakerRetunedByAReloadKeepsThePeriodsStartAndWhetherAPassEndedOneSinceItClosed() {
        CircuitBreaker before = opened();
        ticker.advance(Duration.ofSeconds(1));
        assertTrue(before.halfOpenOnHealthCheck(before.openSinceNanos()));
        fail(before, 1);
        long reopenedAt = before.openSinceNanos();

        openDuration = Duration.ofSeconds(2);
        SlidingWindowCircuitBreaker retuned = (SlidingWindowCircuitBreaker) breaker();
        retuned.continueFrom((SlidingWindowCircuitBreaker) before);
        assertEquals(reopenedAt, retuned.openSinceNanos(), "passes counted since it opened go on counting");
        assertFalse(retuned.halfOpenOnHealthCheck(reopenedAt), "the early end was spent before the reload");

        CircuitBreaker fresh = opened();
        SlidingWindowCircuitBreaker retunedFresh = (SlidingWindowCircuitBreaker) breaker();
        retunedFresh.continueFrom((SlidingWindowCircuitBreaker) fresh);
        ticker.advance(Duration.ofSeconds(1));
        assertTrue(retunedFresh.halfOpenOnHealthCheck(fresh.openSinceNanos()));
    }
}
