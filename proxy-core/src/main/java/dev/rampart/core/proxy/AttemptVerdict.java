package dev.rampart.core.proxy;

import dev.rampart.core.upstream.Endpoint;

/**
 * What one attempt tells its endpoint: the outcome on the breaker, given once (a client leaving after the
 * head, say, changes nothing later), in the breaker phase the attempt was admitted in; and a success that
 * waits for the end of its body, because an upstream that breaks off mid-body has failed after all.
 */
final class AttemptVerdict {

    private final Endpoint endpoint;
    /** The breaker's phase that admitted the attempt ({@link dev.rampart.core.resilience.CircuitBreaker#tryAdmit}). */
    private final long breakerPhase;
    private boolean recorded;
    /** Whether the attempt's share of the endpoint's load outlives its verdict (an open tunnel's does). */
    private boolean loadHeld;
    /** Time to the head of a relayed response that counts as a success once its body is complete; -1 for none. */
    private long deferredSuccessNanos = -1;
    private String deferredSuccessLabel;

    /** @param breakerPhase the phase the pick took the breaker's permission in: the outcome counts in it only */
    AttemptVerdict(Endpoint endpoint, long breakerPhase) {
        this.endpoint = endpoint;
        this.breakerPhase = breakerPhase;
    }

    /**
     * Records the outcome on the endpoint's breaker and ends the attempt's share of the endpoint's load,
     * once.
     *
     * @param success true, false, or null for an attempt cancelled with no outcome
     * @return whether this call recorded it (false when an outcome was already recorded)
     */
    boolean record(Boolean success, long elapsedNanos) {
        if (recorded) {
            return false;
        }
        recorded = true;
        if (!loadHeld) {
            endpoint.attemptEnded();
        }
        if (success == null) {
            endpoint.breaker().onCancelled(breakerPhase);
        } else if (success) {
            endpoint.breaker().onSuccess(elapsedNanos, breakerPhase);
        } else {
            endpoint.breaker().onFailure(elapsedNanos, breakerPhase);
        }
        return true;
    }

    /**
     * Keeps the attempt's share of the endpoint's load past its verdict, until {@link #releaseHeldLoad}: a
     * WebSocket tunnel is judged at its 101 but loads its endpoint for as long as it is open, and
     * least-request must see that load (as Envoy counts an upgraded stream as an active request).
     */
    void holdLoad() {
        loadHeld = true;
    }

    /** Ends a load share kept by {@link #holdLoad}, once. */
    void releaseHeldLoad() {
        if (loadHeld) {
            loadHeld = false;
            endpoint.attemptEnded();
        }
    }

    /**
     * The head of the response being relayed counts as a success, with the time it took, unless the
     * upstream breaks off before the end of the body: the outcome is recorded then, under {@code metricLabel}.
     */
    void deferSuccess(long elapsedNanos, String metricLabel) {
        deferredSuccessNanos = elapsedNanos;
        deferredSuccessLabel = metricLabel;
    }

    /** The attempt metric's label for the deferred success: its status's, a 501's being {@code status_5xx}. */
    String deferredSuccessLabel() {
        return deferredSuccessLabel;
    }

    /** Whether a success waits for the end of the body to be recorded. */
    boolean successPending() {
        return deferredSuccessNanos >= 0 && !recorded;
    }

    /** The time to the head of a success waiting for the end of its body (see {@link #deferSuccess}). */
    long deferredSuccessNanos() {
        return deferredSuccessNanos;
    }
}
