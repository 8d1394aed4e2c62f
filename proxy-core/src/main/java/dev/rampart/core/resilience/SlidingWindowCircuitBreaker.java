package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.CircuitBreakerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.rampart.core.resilience.Checks.checkArgument;
import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * The breaker of PRODUCT §2 {@code circuit-breaker}, lock-free.
 *
 * <p>The state is one immutable {@link BreakerPhase} in an {@link AtomicReference}: a transition is a CAS from
 * the phase a thread saw, so when several threads see the same reason to trip only one wins and the
 * listener hears of it once. Closed-state calls go to a {@link SlidingWindow} of ten buckets over
 * {@code window}; the consecutive-failure count is a separate atomic. A half-open phase carries its
 * own permit and success counters, so a fresh half-open phase starts from zero without a reset race.
 *
 * <p>Choices where the contract is silent:
 * <ul>
 *   <li>A rate rule trips only on at least one failed (or slow) call, so a threshold of 0 means "any
 *       failure once {@code minimum-calls} are in the window", not "always open".</li>
 *   <li>Half-open probes are judged on success or failure only; slowness counts in the closed window.</li>
 *   <li>The window is kept when the breaker opens (the admin endpoint shows the rate that tripped it)
 *       and cleared when it closes.</li>
 *   <li>If every probe permit is out and none came back for {@code max(window, max-open-duration)}, or
 *       longer when a call may take longer ({@link #expectCallsWithin}), the half-open phase starts over
 *       with fresh permits: a lost outcome (a bug, but a likely one in a proxy) must not keep an endpoint
 *       out of rotation forever.</li>
 *   <li>A health check that passes ends an open period early ({@link #halfOpenOnHealthCheck}) once between two
 *       closings: the round it starts is judged as any other, and a failed one opens for the doubled period.</li>
 * </ul>
 */
final class SlidingWindowCircuitBreaker implements CircuitBreaker {

    private static final Logger logger = LoggerFactory.getLogger(SlidingWindowCircuitBreaker.class);

    private static final int BUCKETS = 10;
    private static final int CALLS = 0;
    private static final int FAILURES = 1;
    private static final int SLOW = 2;
    private static final long NONE = Long.MIN_VALUE;

    private final Ticker ticker;
    private final StateListener listener;
    private final int minimumCalls;
    private final double failureRateThreshold;
    private final int consecutiveFailures;
    private final long slowCallNanos;
    private final double slowCallRateThreshold;
    private final OpenPeriods openPeriods;
    private final int halfOpenProbes;
    private final boolean halfOpenOnHealthCheck;
    private final long staleHalfOpenNanos;
    /** The longest a call may take before its outcome is reported; written by reloads, read by probes. */
    private volatile long longestCallNanos;

    private final SlidingWindow window;
    /** How long after a failed or slow call the window may still count it (a bucket's worth of margin). */
    private final long adverseMemoryNanos;
    /**
     * Ticker time of the latest failed or slow call recorded in the closed window, {@link #NONE} before the
     * first. A success can trip the breaker only while such a call is in the window (every rule needs one),
     * so the success of a healthy endpoint skips summing the window: it runs on every proxied request.
     */
    private final AtomicLong lastAdverseNanos = new AtomicLong(NONE);
    private final AtomicInteger consecutive = new AtomicInteger();
    /** Numbers this breaker's phases: an outcome admitted in one is not counted in another. */
    private final AtomicLong generations = new AtomicLong();
    private final AtomicReference<BreakerPhase> phase;

    SlidingWindowCircuitBreaker(CircuitBreakerConfig config, Ticker ticker, StateListener listener) {
        checkNotNull(config, "config");
        this.ticker = checkNotNull(ticker, "ticker");
        this.listener = checkNotNull(listener, "listener");
        long windowNanos = Checks.positiveNanos("window", config.window());
        this.minimumCalls = config.minimumCalls();
        checkArgument(minimumCalls >= 0, "minimumCalls: %s (expected: >= 0)", minimumCalls);
        this.failureRateThreshold = percent("failureRateThreshold", config.failureRateThreshold());
        this.consecutiveFailures = config.consecutiveFailures();
        checkArgument(consecutiveFailures >= 0, "consecutiveFailures: %s (expected: >= 0)", consecutiveFailures);
        this.slowCallNanos = Checks.nonNegativeNanos("slowCallDuration", config.slowCallDuration());
        this.slowCallRateThreshold = percent("slowCallRateThreshold", config.slowCallRateThreshold());
        long initialOpenNanos = Checks.positiveNanos("openDuration", config.openDuration());
        long maxOpenNanos = Checks.positiveNanos("maxOpenDuration", config.maxOpenDuration());
        checkArgument(maxOpenNanos >= initialOpenNanos, "maxOpenDuration: %s (expected: >= openDuration %s)",
                config.maxOpenDuration(), config.openDuration());
        this.openPeriods = new OpenPeriods(initialOpenNanos, maxOpenNanos);
        this.halfOpenProbes = config.halfOpenProbes();
        checkArgument(halfOpenProbes >= 1, "halfOpenProbes: %s (expected: >= 1)", halfOpenProbes);
        this.halfOpenOnHealthCheck = config.halfOpenOnHealthCheck();
        this.staleHalfOpenNanos = Math.max(windowNanos, maxOpenNanos);
        this.window = new SlidingWindow(windowNanos, BUCKETS, 3);
        // The window spans ten buckets of max(1, window / 10): with a window under ten nanoseconds that is more
        // than the window, so the margin is counted in buckets, not from the window.
        long bucketNanos = Math.max(1, windowNanos / BUCKETS);
        // Saturated: a window of "practically forever" (HOCON's 110000d is Long.MAX_VALUE ns) would overflow the
        // product to a negative margin, and no success would ever be weighed against the failures before it.
        this.adverseMemoryNanos = bucketNanos > (Long.MAX_VALUE - 1) / (BUCKETS + 1)
                ? Long.MAX_VALUE : (BUCKETS + 1) * bucketNanos + 1;
        this.phase = new AtomicReference<>(BreakerPhase.closed(generations.incrementAndGet(), ticker.read()));
    }

    private static double percent(String name, double value) {
        checkArgument(value >= 0 && value <= 100, "%s: %s (expected: 0-100)", name, value);
        return value;
    }

    @Override
    public boolean tryAcquirePermission() {
        return tryAdmit() != NOT_ADMITTED;
    }

    @Override
    public long tryAdmit() {
        for (;;) {
            BreakerPhase current = phase.get();
            if (current.state == State.CLOSED) {
                return current.generation;
            }
            long now = ticker.read();
            if (current.state == State.OPEN) {
                if (now - current.sinceNanos < current.openNanos) {
                    return NOT_ADMITTED;
                }
                BreakerPhase halfOpen = BreakerPhase.halfOpen(generations.incrementAndGet(), now, current.openNanos,
                        current.reopenings, current.healthCheckEndedAPeriod);
                if (phase.compareAndSet(current, halfOpen)) {
                    notifyListener(State.OPEN, State.HALF_OPEN);
                }
                continue; // whoever won, try for a probe permit in the phase that is there now
            }
            if (takePermit(current, now)) {
                return current.generation;
            }
            if (now - current.lastPermitNanos.get() < Math.max(staleHalfOpenNanos, longestCallNanos)) {
                return NOT_ADMITTED;
            }
            // Every permit is out and none came back for a long time: start the probe round again.
            phase.compareAndSet(current, BreakerPhase.halfOpen(generations.incrementAndGet(), now, current.openNanos,
                    current.reopenings, current.healthCheckEndedAPeriod));
        }
    }

    private boolean takePermit(BreakerPhase halfOpen, long now) {
        for (;;) {
            int taken = halfOpen.permits.get();
            if (taken >= halfOpenProbes) {
                return false;
            }
            if (halfOpen.permits.compareAndSet(taken, taken + 1)) {
                halfOpen.lastPermitNanos.set(now);
                return true;
            }
        }
    }

    @Override
    public void expectCallsWithin(long nanos) {
        checkArgument(nanos >= 0, "nanos: %s (expected: >= 0)", nanos);
        longestCallNanos = nanos;
    }

    @Override
    public long phase() {
        return phase.get().generation;
    }

    @Override
    public long phaseSinceNanos() {
        return phase.get().sinceNanos;
    }

    @Override
    public void onSuccess(long durationNanos, long admittedIn) {
        BreakerPhase current = phase.get();
        if (current.generation == admittedIn) {
            succeeded(current, durationNanos);
        }
    }

    @Override
    public void onFailure(long durationNanos, long admittedIn) {
        BreakerPhase current = phase.get();
        if (current.generation == admittedIn) {
            failed(current, durationNanos);
        }
    }

    @Override
    public void onCancelled(long admittedIn) {
        BreakerPhase current = phase.get();
        if (current.generation == admittedIn) {
            cancelled(current);
        }
    }

    @Override
    public void onSuccess(long durationNanos) {
        succeeded(phase.get(), durationNanos);
    }

    @Override
    public void onFailure(long durationNanos) {
        failed(phase.get(), durationNanos);
    }

    @Override
    public void onCancelled() {
        cancelled(phase.get());
    }

    private void succeeded(BreakerPhase current, long durationNanos) {
        checkDuration(durationNanos);
        if (current.state == State.CLOSED) {
            long now = ticker.read();
            record(now, false, durationNanos);
            if (consecutive.get() != 0) {
                consecutive.set(0);
            }
            if (adverseCallMayBeInWindow(now)) {
                evaluate(current, now);
            }
        } else if (current.state == State.HALF_OPEN) {
            if (slowCallNanos > 0 && durationNanos > slowCallNanos) {
                // A probe that answered, but slowly, says the endpoint is still what opened the breaker by
                // slow calls: closing on it would let a uniformly slow endpoint cycle back in every round.
                reopen(current);
                return;
            }
            if (current.successes.incrementAndGet() >= halfOpenProbes
                    && phase.compareAndSet(current, BreakerPhase.closed(generations.incrementAndGet(), ticker.read()))) {
                window.clear();
                consecutive.set(0);
                notifyListener(State.HALF_OPEN, State.CLOSED);
            }
        }
        // OPEN: a call admitted before the breaker opened; it changes nothing now.
    }

    private void failed(BreakerPhase current, long durationNanos) {
        checkDuration(durationNanos);
        if (current.state == State.CLOSED) {
            long now = ticker.read();
            record(now, true, durationNanos);
            int inARow = consecutive.incrementAndGet();
            if (consecutiveFailures > 0 && inARow >= consecutiveFailures) {
                open(current, now, openPeriods.firstNanos(), 0, false);
            } else {
                evaluate(current, now);
            }
        } else if (current.state == State.HALF_OPEN) {
            reopen(current);
        }
    }

    private void cancelled(BreakerPhase current) {
        if (current.state != State.HALF_OPEN) {
            return;
        }
        for (;;) {
            int taken = current.permits.get();
            if (taken == 0 || current.permits.compareAndSet(taken, taken - 1)) {
                return;
            }
        }
    }

    @Override
    public long openSinceNanos() {
        BreakerPhase current = phase.get();
        return current.state == State.OPEN ? current.sinceNanos : NOT_OPEN;
    }

    @Override
    public boolean halfOpenOnHealthCheck(long openedAtNanos) {
        if (!halfOpenOnHealthCheck) {
            return false;
        }
        BreakerPhase current = phase.get();
        if (current.state != State.OPEN || current.sinceNanos != openedAtNanos || current.healthCheckEndedAPeriod) {
            return false; // another period, or one after a round a health check began that failed
        }
        long now = ticker.read();
        if (now - current.sinceNanos >= current.openNanos) {
            return false; // over already: the next call turns it half-open, and the one early end is kept for later
        }
        // The period it came from goes on with the round, so that a failed probe doubles it as it would have.
        BreakerPhase halfOpen = BreakerPhase.halfOpen(generations.incrementAndGet(), now, current.openNanos,
                current.reopenings, true);
        if (!phase.compareAndSet(current, halfOpen)) {
            return false; // opened again or turned half-open meanwhile (a reload's hand-over, a call after the period)
        }
        try {
            listener.onHalfOpenOnHealthCheck();
        } catch (RuntimeException e) {
            logger.warn("Circuit breaker state listener failed on OPEN -> HALF_OPEN (health check)", e);
        }
        return true;
    }

    @Override
    public State state() {
        return phase.get().state;
    }

    @Override
    public boolean wouldPermit() {
        BreakerPhase current = phase.get();
        return switch (current.state) {
            case CLOSED -> true; // no clock read: every pick asks every endpoint's breaker (Upstream.anyHealthy)
            case OPEN -> ticker.read() - current.sinceNanos >= current.openNanos;
            // As tryAcquirePermission: a permit left, or a round whose permits are all out for so long that
            // it starts again.
            case HALF_OPEN -> current.permits.get() < halfOpenProbes
                    || ticker.read() - current.lastPermitNanos.get() >= Math.max(staleHalfOpenNanos, longestCallNanos);
        };
    }

    @Override
    public long nanosUntilHalfOpen() {
        BreakerPhase current = phase.get();
        if (current.state != State.OPEN) {
            return 0;
        }
        long elapsed = ticker.read() - current.sinceNanos;
        return Math.max(0, current.openNanos - elapsed);
    }

    @Override
    public double failureRate() {
        long[] sums = window.sums(ticker.read());
        return sums[CALLS] == 0 ? 0 : sums[FAILURES] * 100.0 / sums[CALLS];
    }

    @Override
    public int callsInWindow() {
        return (int) Math.min(Integer.MAX_VALUE, window.sum(ticker.read(), CALLS));
    }

    private void record(long now, boolean failed, long durationNanos) {
        SlidingWindow.Bucket bucket = window.current(now);
        bucket.counts.incrementAndGet(CALLS);
        boolean slow = slowCallNanos > 0 && durationNanos > slowCallNanos;
        if (failed) {
            bucket.counts.incrementAndGet(FAILURES);
        }
        if (slow) {
            bucket.counts.incrementAndGet(SLOW);
        }
        if (failed || slow) {
            lastAdverseNanos.accumulateAndGet(now, Math::max);
        }
    }

    private boolean adverseCallMayBeInWindow(long now) {
        long last = lastAdverseNanos.get();
        return last != NONE && now - last <= adverseMemoryNanos;
    }

    /** Opens the breaker if the window's failure or slow-call rate crossed its threshold. */
    private void evaluate(BreakerPhase closed, long now) {
        // Runs on every recorded call: one counter at a time, so no array is allocated per request.
        long calls = window.sum(now, CALLS);
        if (calls == 0 || calls < minimumCalls) {
            return;
        }
        long failures = window.sum(now, FAILURES);
        boolean failing = failures > 0 && failures * 100.0 >= failureRateThreshold * calls;
        long slowCalls = slowCallNanos > 0 ? window.sum(now, SLOW) : 0;
        boolean slow = slowCalls > 0 && slowCalls * 100.0 >= slowCallRateThreshold * calls;
        if (failing || slow) {
            open(closed, now, openPeriods.firstNanos(), 0, false);
        }
    }

    /**
     * A probe failed: open again for twice the last period, up to {@code max-open-duration}, whether the round began
     * as the period ran out or when a health check ended it early (the step goes on from the period it cut short).
     */
    private void reopen(BreakerPhase halfOpen) {
        open(halfOpen, ticker.read(), openPeriods.after(halfOpen.openNanos),
                halfOpen.reopenings < Integer.MAX_VALUE ? halfOpen.reopenings + 1 : Integer.MAX_VALUE,
                halfOpen.healthCheckEndedAPeriod);
    }

    /**
     * Takes on the state of {@code previous}, the endpoint's breaker under the settings a reload changed, before this
     * one serves, so that retuning a breaker does not put a failing endpoint back in rotation. Open stays open for the
     * period these settings give its step in the run of re-opens, counted from when it opened; half-open starts a
     * probe round under these settings (probes still out report to the old breaker); closed keeps its failures in a
     * row, facts whatever the settings, but not its window, whose buckets and slow calls the old settings made.
     */
    void continueFrom(SlidingWindowCircuitBreaker previous) {
        BreakerPhase fresh = phase.get();
        BreakerPhase theirs = previous.phase.get();
        switch (theirs.state) {
            case CLOSED -> consecutive.set(previous.consecutive.get());
            case OPEN -> phase.compareAndSet(fresh, BreakerPhase.open(generations.incrementAndGet(), theirs.sinceNanos,
                    openPeriods.afterReopenings(theirs.reopenings), theirs.reopenings, theirs.healthCheckEndedAPeriod));
            case HALF_OPEN -> phase.compareAndSet(fresh, BreakerPhase.halfOpen(generations.incrementAndGet(),
                    ticker.read(), openPeriods.afterReopenings(theirs.reopenings), theirs.reopenings,
                    theirs.healthCheckEndedAPeriod));
        }
    }

    private void open(BreakerPhase from, long now, long openNanos, int reopenings, boolean healthCheckEndedAPeriod) {
        if (phase.compareAndSet(from, BreakerPhase.open(generations.incrementAndGet(), now, openNanos, reopenings,
                healthCheckEndedAPeriod))) {
            notifyListener(from.state, State.OPEN);
        }
    }

    private void notifyListener(State from, State to) {
        try {
            listener.onStateChange(from, to);
        } catch (RuntimeException e) {
            // A broken metrics hook must not break the breaker, nor the request that tripped it.
            logger.warn("Circuit breaker state listener failed on {} -> {}", from, to, e);
        }
    }

    private static void checkDuration(long durationNanos) {
        if (durationNanos < 0) {
            throw new IllegalArgumentException("durationNanos: " + durationNanos + " (expected: >= 0)");
        }
    }

    @Override
    public String toString() {
        BreakerPhase current = phase.get();
        return "CircuitBreaker(state=" + current.state + ", calls=" + callsInWindow()
                + ", failureRate=" + failureRate() + "%)";
    }
}
