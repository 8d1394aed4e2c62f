package dev.rampart.core.resilience;

import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.resilience.CircuitBreaker.State;

import java.util.ArrayList;
import java.util.List;

/**
 * What docs/configuration.md {@code circuit-breaker} promises, written as plainly as possible so that it can be
 * compared with {@link SlidingWindowCircuitBreaker} step by step: a list of every call recorded while closed
 * (no ring, no atomics, no shortcuts), a phase number bumped on every new phase, and the rules one by one.
 *
 * <p>The window's granularity is the one {@link SlidingWindow} documents (ten buckets of {@code window / 10};
 * a call counts while its bucket is one of the last ten), since "time-based sliding window" leaves the
 * granularity open and Resilience4j's is a bucket too.
 */
final class BreakerModel {

    private record Call(long at, boolean failed, boolean slow) {
    }

    private final long bucketNanos;
    private final int minimumCalls;
    private final double failureRateThreshold;
    private final int consecutiveFailures;
    private final long slowNanos;
    private final double slowRateThreshold;
    private final long openNanos;
    private final long maxOpenNanos;
    private final int probes;
    private final long staleNanos;
    private long longestCallNanos;

    private final List<Call> calls = new ArrayList<>();
    private final List<String> transitions = new ArrayList<>();
    private State state = State.CLOSED;
    private long phase;
    private long since;
    private long period;
    private int inARow;
    private int permits;
    private int successes;
    private long lastPermit;

    BreakerModel(CircuitBreakerConfig config, long now) {
        long window = config.window().toNanos();
        this.bucketNanos = Math.max(1, window / 10);
        this.minimumCalls = config.minimumCalls();
        this.failureRateThreshold = config.failureRateThreshold();
        this.consecutiveFailures = config.consecutiveFailures();
        this.slowNanos = config.slowCallDuration().toNanos();
        this.slowRateThreshold = config.slowCallRateThreshold();
        this.openNanos = config.openDuration().toNanos();
        this.maxOpenNanos = config.maxOpenDuration().toNanos();
        this.probes = config.halfOpenProbes();
        this.staleNanos = Math.max(window, maxOpenNanos);
        this.since = now;
    }

    List<String> transitions() {
        return transitions;
    }

    long phase() {
        return phase;
    }

    State state() {
        return state;
    }

    void expectCallsWithin(long nanos) {
        longestCallNanos = nanos;
    }

    boolean tryAcquire(long now) {
        if (state == State.CLOSED) {
            return true;
        }
        if (state == State.OPEN) {
            if (now - since < period) {
                return false;
            }
            enter(State.HALF_OPEN, now, period, true);
        }
        if (permits < probes) {
            permits++;
            lastPermit = now;
            return true;
        }
        if (now - lastPermit >= Math.max(staleNanos, longestCallNanos)) {
            // every probe lost: a fresh round, same state, not a transition anyone hears of
            enter(State.HALF_OPEN, now, period, false);
            permits = 1;
            lastPermit = now;
            return true;
        }
        return false;
    }

    boolean wouldPermit(long now) {
        return switch (state) {
            case CLOSED -> true;
            case OPEN -> now - since >= period;
            case HALF_OPEN -> permits < probes || now - lastPermit >= Math.max(staleNanos, longestCallNanos);
        };
    }

    /** An outcome of a call admitted in {@code admittedIn}; {@code admittedIn < 0}: reported without a phase. */
    void onSuccess(long now, long duration, long admittedIn) {
        if (admittedIn >= 0 && admittedIn != phase) {
            return;
        }
        boolean slow = slowNanos > 0 && duration > slowNanos;
        if (state == State.CLOSED) {
            calls.add(new Call(now, false, slow));
            inARow = 0;
            evaluate(now);
        } else if (state == State.HALF_OPEN) {
            if (slow) {
                reopen(now);
            } else if (++successes >= probes) {
                calls.clear();
                inARow = 0;
                enter(State.CLOSED, now, 0, true);
            }
        }
    }

    void onFailure(long now, long duration, long admittedIn) {
        if (admittedIn >= 0 && admittedIn != phase) {
            return;
        }
        boolean slow = slowNanos > 0 && duration > slowNanos;
        if (state == State.CLOSED) {
            calls.add(new Call(now, true, slow));
            inARow++;
            if (consecutiveFailures > 0 && inARow >= consecutiveFailures) {
                enter(State.OPEN, now, openNanos, true);
            } else {
                evaluate(now);
            }
        } else if (state == State.HALF_OPEN) {
            reopen(now);
        }
    }

    void onCancelled(long admittedIn) {
        if (admittedIn >= 0 && admittedIn != phase) {
            return;
        }
        if (state == State.HALF_OPEN && permits > 0) {
            permits--;
        }
    }

    long nanosUntilHalfOpen(long now) {
        return state == State.OPEN ? Math.max(0, period - (now - since)) : 0;
    }

    int callsInWindow(long now) {
        return (int) calls.stream().filter(c -> live(c, now)).count();
    }

    double failureRate(long now) {
        long n = calls.stream().filter(c -> live(c, now)).count();
        long failed = calls.stream().filter(c -> live(c, now) && c.failed).count();
        return n == 0 ? 0 : failed * 100.0 / n;
    }

    private void evaluate(long now) {
        long n = calls.stream().filter(c -> live(c, now)).count();
        if (n == 0 || n < minimumCalls) {
            return;
        }
        long failed = calls.stream().filter(c -> live(c, now) && c.failed).count();
        long slow = calls.stream().filter(c -> live(c, now) && c.slow).count();
        boolean tripOnFailures = failed > 0 && failed * 100.0 >= failureRateThreshold * n;
        boolean tripOnSlow = slowNanos > 0 && slow > 0 && slow * 100.0 >= slowRateThreshold * n;
        if (tripOnFailures || tripOnSlow) {
            enter(State.OPEN, now, openNanos, true);
        }
    }

    private void reopen(long now) {
        enter(State.OPEN, now, Math.min(maxOpenNanos, saturatedDouble(period)), true);
    }

    private static long saturatedDouble(long nanos) {
        return nanos > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : nanos * 2;
    }

    private boolean live(Call call, long now) {
        long epoch = Math.floorDiv(now, bucketNanos);
        long callEpoch = Math.floorDiv(call.at, bucketNanos);
        return callEpoch <= epoch && callEpoch > epoch - 10;
    }

    private void enter(State to, long now, long newPeriod, boolean announced) {
        if (announced) {
            transitions.add(state + "->" + to);
        }
        state = to;
        phase++;
        since = now;
        period = newPeriod;
        permits = 0;
        successes = 0;
        lastPermit = now;
    }
}
