package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.CircuitBreakerConfig;

/**
 * Stops sending traffic to an endpoint that keeps failing, then lets a few probes through to find out
 * whether it recovered. One per endpoint (see {@link BreakerRegistry}), shared by every event loop,
 * so every method is lock-free and never blocks.
 *
 * <p>Protocol: call {@link #tryAcquirePermission()} before an attempt; when it returned {@code true},
 * report exactly one of {@link #onSuccess}, {@link #onFailure} or {@link #onCancelled()} for that
 * attempt. Outcomes reported with the phase {@link #tryAdmit()} admitted them in count only in that phase; those
 * without one are judged by the state the breaker is in when they arrive (as in Resilience4j and Armeria).
 */
public interface CircuitBreaker {

    /** A breaker per {@code config}; a disabled config gives one that always admits and records nothing. */
    static CircuitBreaker of(CircuitBreakerConfig config, Ticker ticker, StateListener listener) {
        if (!config.enabled()) {
            return alwaysClosed();
        }
        return new SlidingWindowCircuitBreaker(config, ticker, listener);
    }

    /** Breaker states, in the order of the {@code rampart_circuit_breaker_state} gauge values. */
    enum State {
        CLOSED(0),
        HALF_OPEN(1),
        OPEN(2);

        private final int gaugeValue;

        State(int gaugeValue) {
            this.gaugeValue = gaugeValue;
        }

        /** The value of {@code rampart_circuit_breaker_state}: 0 closed, 1 half-open, 2 open. */
        public int gaugeValue() {
            return gaugeValue;
        }
    }

    /** Told about each state change exactly once, on the thread that caused it; must not block. */
    @FunctionalInterface
    interface StateListener {
        /** A listener for breakers nobody observes. */
        StateListener NOOP = (from, to) -> { };

        void onStateChange(State from, State to);

        /**
         * The breaker turned from open to half-open before its period ran out, its endpoint's health check having
         * passed ({@link CircuitBreaker#halfOpenOnHealthCheck}); by default a state change like any other.
         */
        default void onHalfOpenOnHealthCheck() {
            onStateChange(State.OPEN, State.HALF_OPEN);
        }
    }

    /** A breaker that always admits and records nothing: that of an endpoint whose breaker is disabled. */
    static CircuitBreaker alwaysClosed() {
        return new AlwaysClosedCircuitBreaker();
    }

    /** What {@link #openSinceNanos()} returns when the breaker is not open. */
    long NOT_OPEN = Long.MIN_VALUE;

    /**
     * The ticker time the current open period began; {@link #NOT_OPEN} when the breaker is closed or half-open. A
     * health check's probe sent after it may speak for the endpoint since it failed ({@link #halfOpenOnHealthCheck}).
     */
    default long openSinceNanos() {
        return NOT_OPEN;
    }

    /**
     * The endpoint's health check passed {@code healthy-threshold} probes in a row, each sent after the open period that
     * began at {@code openedAtNanos} ({@link #openSinceNanos()}): that period ends now, and the breaker turns half-open,
     * so that {@code half-open-probes} calls say whether the endpoint is back, without waiting out a period of up to
     * {@code max-open-duration} (Envoy's {@code successful_active_health_check_uneject_host}). Not to closed: a check
     * tells that the endpoint answers its health page, only calls that it serves them. At most once between two
     * closings, and never when {@code half-open-on-health-check} is off, that period is no longer the breaker's, or
     * it is over already.
     *
     * @return whether the breaker turned half-open
     */
    default boolean halfOpenOnHealthCheck(long openedAtNanos) {
        return false;
    }

    /**
     * Whether an attempt may go to the endpoint now. Closed: yes. Open: no, until the open period has
     * passed, when the breaker turns half-open. Half-open: yes for at most {@code half-open-probes}
     * attempts in flight.
     */
    boolean tryAcquirePermission();

    /** What {@link #tryAdmit()} returns when the breaker refuses the attempt. */
    long NOT_ADMITTED = Long.MIN_VALUE;

    /**
     * {@link #tryAcquirePermission()}, returning the {@link #phase()} the permission was taken in, to report the
     * attempt's outcome with; {@link #NOT_ADMITTED} when refused. One step, because a phase read after the
     * permission may be a later one: between the two a call admitted while closed could see the breaker open and
     * turn half-open (an open period of milliseconds and a thread descheduled that long), and would be counted as
     * a probe it never took a permit for, its cancellation handing back another probe's. The default reads the
     * phase after the permission: fit only for a breaker whose phase never changes; one whose does overrides it.
     */
    default long tryAdmit() {
        return tryAcquirePermission() ? phase() : NOT_ADMITTED;
    }

    /**
     * The phase the breaker is in now, as a number that changes with every transition. Returned with a
     * permission by {@link #tryAdmit()}, it tags the attempt, and the outcome reported with it
     * ({@link #onSuccess(long, long)} and the like) counts only if the breaker is still in that phase: a slow
     * call admitted while closed that ends during half-open is not a probe, and its abort hands back no probe
     * permit it never took.
     */
    default long phase() {
        return 0;
    }

    /** The ticker time the current phase began; {@link Long#MIN_VALUE} when it is not known. */
    default long phaseSinceNanos() {
        return Long.MIN_VALUE;
    }

    /**
     * The longest an admitted call may legitimately take before its outcome is reported (for the proxy: its
     * longest route timeout toward this endpoint). A half-open breaker whose probe permits are all out
     * waits at least this long before it takes them for lost and starts a fresh probe round; any less,
     * and a probe that is only slow would let more probes through than {@code half-open-probes} allows.
     * Set again by each config reload; the default ignores it.
     */
    default void expectCallsWithin(long nanos) {
    }

    /** {@link #onSuccess(long)} for an attempt admitted in {@code admittedIn}; ignored in any other phase. */
    default void onSuccess(long durationNanos, long admittedIn) {
        onSuccess(durationNanos);
    }

    /** {@link #onFailure(long)} for an attempt admitted in {@code admittedIn}; ignored in any other phase. */
    default void onFailure(long durationNanos, long admittedIn) {
        onFailure(durationNanos);
    }

    /** {@link #onCancelled()} for an attempt admitted in {@code admittedIn}; ignored in any other phase. */
    default void onCancelled(long admittedIn) {
        onCancelled();
    }

    /** The admitted attempt succeeded (breaker-wise: see {@link UpstreamFailure#countsAsBreakerFailure()}). */
    void onSuccess(long durationNanos);

    /** The admitted attempt failed. */
    void onFailure(long durationNanos);

    /**
     * The admitted attempt ended without an outcome (the client went away, the deadline passed before
     * it was sent): a half-open probe permit is handed back; nothing is recorded.
     */
    void onCancelled();

    /**
     * The current state, without side effects: an open breaker whose period has passed still reads
     * {@link State#OPEN} (with {@link #nanosUntilHalfOpen()} zero) until the next attempt asks.
     */
    State state();

    /**
     * The state shown to operators ({@code /admin/breakers}, {@code rampart_circuit_breaker_state}): an open
     * breaker whose period has passed shows half-open, since it would let a probe through. Without traffic
     * nothing asks it to turn half-open, and shown as open it would keep an "open for a minute" alert firing
     * on an upstream nobody calls (a rarely used route, a sidecar at night) long after it recovered.
     */
    default State reportedState() {
        State state = state();
        return state == State.OPEN && nanosUntilHalfOpen() <= 0 ? State.HALF_OPEN : state;
    }

    /** Time until an open breaker admits a probe; zero when it is not open or the period has passed. */
    long nanosUntilHalfOpen();

    /**
     * Whether {@link #tryAcquirePermission()} would let an attempt through now, without taking a permission
     * or changing state: closed, open past its period, or half-open with a probe permit left. A guess under
     * concurrency (another thread may take the last permit first), made to decide whether an endpoint is
     * worth trying, never to admit one.
     */
    default boolean wouldPermit() {
        return state() != State.OPEN || nanosUntilHalfOpen() <= 0;
    }

    /**
     * {@link #nanosUntilHalfOpen()} rounded up to whole seconds, for {@code Retry-After} and the admin
     * endpoint; at least 1 while the breaker still refuses, so a client never reads "retry in 0 s"
     * and is turned away again.
     */
    default long secondsUntilHalfOpen() {
        return wholeSecondsUp(nanosUntilHalfOpen());
    }

    /** {@code nanos} in whole seconds, rounded up (0 for none), without overflowing near {@link Long#MAX_VALUE}. */
    static long wholeSecondsUp(long nanos) {
        return nanos <= 0 ? 0 : (nanos - 1) / 1_000_000_000L + 1;
    }

    /** Percentage (0-100) of failed calls in the current window; 0 with no calls. */
    double failureRate();

    /** Calls recorded in the current window. */
    int callsInWindow();
}
