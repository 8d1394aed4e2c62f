package dev.rampart.core.upstream;

/**
 * How far an endpoint is into its {@code slow-start}: it starts again whenever the endpoint comes back into rotation
 * (its breaker changes phase, or its health check passes again after failing) or joins the upstream, and its share of
 * new requests grows from a tenth to all of it over the window, as Envoy's and HAProxy's slow start do. Kept across
 * reloads with the endpoint's load ({@link EndpointLoads}), so that a reload does not warm endpoints up again.
 *
 * <p>Changes are seen when the endpoint is next considered for a request, which for one back in rotation is at
 * once under load. Read by every event loop; the fast path (unchanged, warm) reads three volatile fields.
 */
public final class Warmth {

    /** The share an endpoint has at the start of its window: Envoy's default {@code min_weight_percent}. */
    static final double FIRST_SHARE = 0.1;

    private volatile long seenPhase;
    private volatile int seenRecoveries = -1; // nothing seen: the first look starts the window
    private volatile long sinceNanos;

    /**
     * The share of its turns the endpoint takes now, 0.1 to 1.
     *
     * @param breakerPhase its breaker's {@link dev.rampart.core.resilience.CircuitBreaker#phase()}
     * @param recoveries   how often its health check has passed again ({@link
     *                     dev.rampart.core.health.EndpointHealth#recoveries()})
     */
    double share(long breakerPhase, int recoveries, long nowNanos, long windowNanos) {
        if (breakerPhase != seenPhase || recoveries != seenRecoveries) {
            synchronized (this) {
                if (breakerPhase != seenPhase || recoveries != seenRecoveries) {
                    sinceNanos = nowNanos;
                    seenPhase = breakerPhase;
                    seenRecoveries = recoveries;
                }
            }
        }
        long elapsed = nowNanos - sinceNanos;
        if (elapsed >= windowNanos) {
            return 1;
        }
        return Math.max(FIRST_SHARE, (double) elapsed / windowNanos);
    }
}
