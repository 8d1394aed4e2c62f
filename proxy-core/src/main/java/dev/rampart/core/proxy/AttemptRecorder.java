package dev.rampart.core.proxy;

import dev.rampart.core.resilience.CircuitBreaker;

/**
 * Records each attempt's outcome, once, in both places that learn from it: its endpoint's circuit breaker
 * and the attempt metric. It holds the rule for a response head: an error status is judged at once, a
 * success waits for the end of its body (an upstream that breaks off mid-body has failed after all).
 */
final class AttemptRecorder {

    private final ProxySnapshot snapshot;
    private final String upstreamName;

    AttemptRecorder(ProxySnapshot snapshot, String upstreamName) {
        this.snapshot = snapshot;
        this.upstreamName = upstreamName;
    }

    /**
     * Judges a response head of {@code status}, which took {@code elapsedNanos} since the call started. A 5xx
     * other than 501 is a failure; a 501 is no failure for the breaker, but the metric counts what was
     * answered: a 5xx. A success on a closed breaker is decided at the end of the body; a half-open probe's
     * verdict is given at the head, so that a long stream cannot hold the breaker half open.
     */
    void responseHead(OriginAttempt attempt, int status, long elapsedNanos) {
        boolean success = !(status >= 500 && status != 501);
        String label = status >= 500 ? "status_5xx" : "success";
        if (status == 101) {
            attempt.verdict().holdLoad(); // the tunnel loads its endpoint until it closes (Exchange.finish)
        }
        if (success && status != 101 && attempt.endpoint().breaker().state() == CircuitBreaker.State.CLOSED) {
            attempt.verdict().deferSuccess(elapsedNanos, label);
        } else {
            record(attempt, success, elapsedNanos, label);
        }
    }

    /** Records the success a relayed head deferred, if it is still pending. */
    void settleSuccess(OriginAttempt attempt) {
        if (attempt.verdict().successPending()) {
            record(attempt, true, attempt.verdict().deferredSuccessNanos(), attempt.verdict().deferredSuccessLabel());
        }
    }

    /**
     * Records {@code attempt}'s outcome on its breaker and counts it under {@code label} in the attempt
     * metric, both once: nothing happens when its outcome was recorded already; a null label is not counted.
     */
    void record(OriginAttempt attempt, Boolean success, long elapsedNanos, String label) {
        if (attempt.verdict().record(success, elapsedNanos) && label != null) {
            snapshot.observer().onAttempt(upstreamName, attempt.endpoint().label(), label);
        }
    }
}
