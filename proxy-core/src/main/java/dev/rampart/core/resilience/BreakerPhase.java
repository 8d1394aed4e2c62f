package dev.rampart.core.resilience;

import dev.rampart.core.resilience.CircuitBreaker.State;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One state of a {@link SlidingWindowCircuitBreaker} and what it needs: replaced, never changed, except the
 * half-open counters, so a transition is one compare-and-set of the breaker's phase.
 */
final class BreakerPhase {

    /** Tells this phase from the breaker's others, so an outcome can be matched to the phase that admitted it. */
    final long generation;
    final State state;
    /** Ticker time the phase began. */
    final long sinceNanos;
    /** OPEN: this open period; HALF_OPEN: the period it came from (doubled if a probe fails). */
    final long openNanos;
    /**
     * OPEN and HALF_OPEN: how many times the breaker opened again since it last closed (0 for its first open period),
     * so that a reload that changes the open durations can say how long this period is under the new ones.
     */
    final int reopenings;
    /**
     * OPEN and HALF_OPEN: whether a passing health check has ended an open period early since the breaker last
     * closed. It may once only: a check that passes while the endpoint's calls fail would otherwise cut every period
     * short, and let a round of failing probes through at each pass instead of at each (doubling) period.
     */
    final boolean healthCheckEndedAPeriod;
    final AtomicInteger permits = new AtomicInteger();
    final AtomicInteger successes = new AtomicInteger();
    final AtomicLong lastPermitNanos;

    private BreakerPhase(long generation, State state, long sinceNanos, long openNanos, int reopenings,
                         boolean healthCheckEndedAPeriod) {
        this.generation = generation;
        this.state = state;
        this.sinceNanos = sinceNanos;
        this.openNanos = openNanos;
        this.reopenings = reopenings;
        this.healthCheckEndedAPeriod = healthCheckEndedAPeriod;
        this.lastPermitNanos = new AtomicLong(sinceNanos);
    }

    static BreakerPhase closed(long generation, long now) {
        return new BreakerPhase(generation, State.CLOSED, now, 0, 0, false);
    }

    static BreakerPhase open(long generation, long now, long openNanos, int reopenings,
                             boolean healthCheckEndedAPeriod) {
        return new BreakerPhase(generation, State.OPEN, now, openNanos, reopenings, healthCheckEndedAPeriod);
    }

    static BreakerPhase halfOpen(long generation, long now, long openNanos, int reopenings,
                                 boolean healthCheckEndedAPeriod) {
        return new BreakerPhase(generation, State.HALF_OPEN, now, openNanos, reopenings, healthCheckEndedAPeriod);
    }
}
