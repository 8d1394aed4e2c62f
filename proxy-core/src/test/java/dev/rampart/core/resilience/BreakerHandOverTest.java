package dev.rampart.core.resilience;

import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.resilience.CircuitBreaker.State;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload that retunes an endpoint's breaker hands the new breaker the old one's state: an open breaker stays open
 * for the period the new settings give its place in the run of re-opens, counted from when it opened.
 */
class BreakerHandOverTest {

    private static final EndpointAddress A = EndpointAddress.parse("10.0.0.1:8081");

    private final FakeTicker ticker = new FakeTicker();
    private final List<String> transitions = new CopyOnWriteArrayList<>();
    private final BreakerRegistry registry = new BreakerRegistry(ticker,
            (upstream, endpoint, from, to) -> transitions.add(from + "->" + to));

    private static CircuitBreakerConfig config(int consecutiveFailures, Duration open, Duration maxOpen) {
        return new CircuitBreakerConfig(true, Duration.ofSeconds(10), 20, 50, consecutiveFailures, Duration.ZERO, 100,
                open, maxOpen, 1);
    }

    /** The breaker a reload to {@code config} gives the endpoint, handed over as the reload swaps it in. */
    private CircuitBreaker retuned(CircuitBreaker running, CircuitBreakerConfig config) {
        CircuitBreaker next = registry.get("app", A, config);
        assertNotSame(running, next);
        registry.handOver(List.of(next), List.of(running));
        registry.retainOnly(List.of(next));
        return next;
    }

    private static void fail(CircuitBreaker breaker) {
        assertTrue(breaker.tryAcquirePermission());
        breaker.onFailure(1);
    }

    @Test
    void anOpenBreakerStaysOpenForWhatLongerSettingsGiveItFromWhenItOpened() {
        CircuitBreaker running = registry.get("app", A, config(1, Duration.ofSeconds(5), Duration.ofSeconds(60)));
        fail(running);
        ticker.advance(Duration.ofSeconds(2));

        CircuitBreaker next = retuned(running, config(1, Duration.ofSeconds(30), Duration.ofSeconds(60)));

        assertEquals(State.OPEN, next.state());
        assertEquals(Duration.ofSeconds(28).toNanos(), next.nanosUntilHalfOpen());
        assertFalse(next.tryAcquirePermission());
        assertEquals(List.of("CLOSED->OPEN"), transitions, "taking on the state is no transition");
    }

    @Test
    void aShorterOpenDurationThatHasPassedLetsTheNextCallProbe() {
        CircuitBreaker running = registry.get("app", A, config(1, Duration.ofSeconds(60), Duration.ofSeconds(60)));
        fail(running);
        ticker.advance(Duration.ofSeconds(10));

        CircuitBreaker next = retuned(running, config(1, Duration.ofSeconds(5), Duration.ofSeconds(60)));

        assertEquals(State.OPEN, next.state());
        assertEquals(0, next.nanosUntilHalfOpen());
        assertTrue(next.tryAcquirePermission(), "the probe the new settings allow");
        assertEquals(State.HALF_OPEN, next.state());
    }

    @Test
    void aReopenedBreakerIsJudgedAtTheSameStepOfTheNewDoubling() {
        CircuitBreaker running = registry.get("app", A, config(1, Duration.ofSeconds(2), Duration.ofSeconds(60)));
        fail(running);
        ticker.advance(Duration.ofSeconds(2));
        fail(running); // the probe fails: open again for 4 s
        ticker.advance(Duration.ofSeconds(4));
        fail(running); // and again: 8 s
        assertEquals(Duration.ofSeconds(8).toNanos(), running.nanosUntilHalfOpen());
        ticker.advance(Duration.ofSeconds(1));

        CircuitBreaker next = retuned(running, config(1, Duration.ofSeconds(10), Duration.ofSeconds(30)));

        // The third open period in a row: 10 s doubled twice, 40 s, capped at 30 s; 1 s of it gone.
        assertEquals(Duration.ofSeconds(29).toNanos(), next.nanosUntilHalfOpen());
    }

    @Test
    void aHalfOpenBreakerProbesUnderTheNewSettingsAndReopensAtTheNextStep() {
        CircuitBreaker running = registry.get("app", A, config(1, Duration.ofSeconds(2), Duration.ofSeconds(60)));
        fail(running);
        ticker.advance(Duration.ofSeconds(2));
        assertTrue(running.tryAcquirePermission()); // the probe, still out as the reload comes
        assertEquals(State.HALF_OPEN, running.state());

        CircuitBreaker next = retuned(running, config(1, Duration.ofSeconds(3), Duration.ofSeconds(60)));

        assertEquals(State.HALF_OPEN, next.state());
        fail(next);
        assertEquals(State.OPEN, next.state());
        assertEquals(Duration.ofSeconds(6).toNanos(), next.nanosUntilHalfOpen(), "a re-open doubles the new 3 s");
    }

    @Test
    void aClosedBreakerKeepsItsFailuresInARowAndStartsAnEmptyWindow() {
        CircuitBreaker running = registry.get("app", A, config(3, Duration.ofSeconds(5), Duration.ofSeconds(60)));
        fail(running);
        fail(running);
        assertEquals(State.CLOSED, running.state());

        CircuitBreaker next = retuned(running, config(3, Duration.ofSeconds(10), Duration.ofSeconds(60)));

        assertEquals(0, next.callsInWindow(), "counts bucketed under the old window are not carried");
        fail(next);
        assertEquals(State.OPEN, next.state(), "the third failure in a row, two of them seen by the old breaker");
    }
}
