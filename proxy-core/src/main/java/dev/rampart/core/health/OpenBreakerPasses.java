package dev.rampart.core.health;

import dev.rampart.core.resilience.CircuitBreaker;

/**
 * An endpoint's passing probes in a row sent while its circuit breaker is in the open period it is in: at
 * {@code healthy-threshold} of them the breaker is asked to end that period ({@link CircuitBreaker#halfOpenOnHealthCheck}).
 * The threshold is the one that brings an endpoint failing its checks back, since an open breaker says the endpoint
 * failed too, by its calls: an operator who asks for three passes before trusting a flapping health page gets three
 * here. A probe sent before the period began does not count, though it answers during it: it says nothing of the
 * endpoint since it failed.
 *
 * <p>One per check schedule, used on its event loop only.
 */
final class OpenBreakerPasses {

    /** The open period the passes were counted in, by when it began; {@link CircuitBreaker#NOT_OPEN} before one. */
    private long countedIn = CircuitBreaker.NOT_OPEN;
    private int inARow;

    /**
     * A probe sent while {@code breaker} was in the open period that began at {@code sentInPeriod}
     * ({@link CircuitBreaker#openSinceNanos()} then: {@link CircuitBreaker#NOT_OPEN} for none) passed.
     *
     * @return whether it ended the breaker's open period
     */
    boolean passed(CircuitBreaker breaker, long sentInPeriod, int healthyThreshold) {
        if (sentInPeriod == CircuitBreaker.NOT_OPEN || breaker.openSinceNanos() != sentInPeriod) {
            return false;
        }
        if (countedIn != sentInPeriod) {
            countedIn = sentInPeriod;
            inARow = 0;
        }
        inARow++;
        return inARow >= healthyThreshold && breaker.halfOpenOnHealthCheck(sentInPeriod);
    }

    /** A probe failed: the passes before it are no longer in a row. */
    void failed() {
        inARow = 0;
    }
}
