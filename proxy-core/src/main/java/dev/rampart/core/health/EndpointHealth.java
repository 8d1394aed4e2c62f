package dev.rampart.core.health;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Whether one endpoint passes its health check, with the hysteresis of {@code healthy-threshold} and
 * {@code unhealthy-threshold}: it takes that many consecutive results to change the verdict, so one lost
 * probe does not flap an endpoint out of rotation. Starts healthy, so a fresh proxy (or a reload that
 * adds an endpoint) serves at once instead of waiting for the first probes; a reload that only changes an
 * endpoint's check settings starts it from the verdict it had.
 *
 * <p>Probe results arrive on one event loop; load balancing reads {@link #healthy()} on all of them.
 */
public final class EndpointHealth {

    /** Told when the verdict changes; called on the probing thread, must not block. */
    @FunctionalInterface
    public interface Listener {
        Listener NOOP = healthy -> { };

        void onChange(boolean healthy);
    }


    private final int healthyThreshold;
    private final int unhealthyThreshold;
    private final Listener listener;
    /** What times a recovery; null: not timed. */
    private final Ticker ticker;
    private volatile boolean healthy = true;
    /** The ticker time of the last recovery; {@link Long#MIN_VALUE} before one, or when not timed. */
    private volatile long recoveredAtNanos = Long.MIN_VALUE;
    /** How often the verdict turned healthy again: slow start counts an endpoint back from each. */
    private volatile int recoveries;
    private int consecutiveSuccesses;
    private int consecutiveFailures;

    public EndpointHealth(int healthyThreshold, int unhealthyThreshold, Listener listener) {
        this(healthyThreshold, unhealthyThreshold, listener, null);
    }

    /** @param ticker times each recovery (see {@link #recoveredAtNanos()}); null: not timed */
    public EndpointHealth(int healthyThreshold, int unhealthyThreshold, Listener listener, Ticker ticker) {
        if (healthyThreshold < 1 || unhealthyThreshold < 1) {
            throw new IllegalArgumentException("thresholds must be at least 1");
        }
        this.healthyThreshold = healthyThreshold;
        this.unhealthyThreshold = unhealthyThreshold;
        this.listener = listener;
        this.ticker = ticker;
    }

    /**
     * The health of an endpoint nobody checks: always healthy, since no probe reports to it. One of its own for each
     * endpoint, not one shared object, whose state every unchecked endpoint of every reload would share.
     */
    public static EndpointHealth unchecked() {
        return new EndpointHealth(1, 1, Listener.NOOP);
    }

    /**
     * @param previous the endpoint's health under other check settings, whose verdict and count of results in
     *                 a row carry on under these; null for none
     */
    public EndpointHealth(int healthyThreshold, int unhealthyThreshold, EndpointHealth previous, Listener listener,
                          Ticker ticker) {
        this(healthyThreshold, unhealthyThreshold, listener, ticker);
        if (previous != null) {
            carryOn(previous);
        }
    }

    /**
     * Takes {@code previous}'s verdict, recoveries and results in a row as they are now: the endpoint's health under
     * the check settings these replace. Its listener is not told (the change, if any, was told by {@code previous}'s).
     */
    public void carryOn(EndpointHealth previous) {
        if (previous == this) {
            return;
        }
        synchronized (previous) {
            synchronized (this) {
                healthy = previous.healthy;
                recoveries = previous.recoveries;
                recoveredAtNanos = previous.recoveredAtNanos;
                consecutiveSuccesses = previous.consecutiveSuccesses;
                consecutiveFailures = previous.consecutiveFailures;
            }
        }
    }

    public boolean healthy() {
        return healthy;
    }

    /** How often the verdict has turned healthy again after failing: a number that changes at each recovery. */
    public int recoveries() {
        return recoveries;
    }

    /** The ticker time of the last recovery; {@link Long#MIN_VALUE} before one, or when recoveries are not timed. */
    public long recoveredAtNanos() {
        return recoveredAtNanos;
    }

    public synchronized void recordSuccess() {
        consecutiveFailures = 0;
        consecutiveSuccesses++;
        if (!healthy && consecutiveSuccesses >= healthyThreshold) {
            healthy = true;
            recoveries++;
            recoveredAtNanos = ticker != null ? ticker.read() : Long.MIN_VALUE;
            listener.onChange(true);
        }
    }

    public synchronized void recordFailure() {
        consecutiveSuccesses = 0;
        consecutiveFailures++;
        if (healthy && consecutiveFailures >= unhealthyThreshold) {
            healthy = false;
            listener.onChange(false);
        }
    }
}
