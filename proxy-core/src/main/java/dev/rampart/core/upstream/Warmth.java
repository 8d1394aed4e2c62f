package dev.rampart.core.upstream;

/**
 * How far an endpoint is into its {@code slow-start}: it starts again whenever the endpoint comes back into rotation
 * (its breaker changes phase, or its health check passes again after failing) or joins the upstream, and its share of
 * new requests grows from a tenth to all of it over the window, as Envoy's and HAProxy's slow start do. Kept across
 * reloads with the endpoint's load ({@link EndpointLoads}), so that a reload does not warm endpoints up again.
 *
 * <p>Changes are seen when the endpoint is next considered for a request, and dated when they happened (the
 * breaker's phase began, the health check passed again): a backup back from a failed check is warm by the time
 * the primaries fail and it is first considered. An endpoint of the first config is warm from the start (all of them start together: there is
 * nothing to ramp between them), and a breaker replaced by a reload that changed its settings is no return. Read by
 * every event loop; the fast path (unchanged, warm) reads four volatile fields.
 */
public final class Warmth {

    /** The share an endpoint has at the start of its window: Envoy's default {@code min_weight_percent}. */
    static final double FIRST_SHARE = 0.1;

    /** Long enough ago that any window has passed, and no overflow when subtracted from a ticker's time. */
    private static final long LONG_AGO = Long.MAX_VALUE / 4;

    private final boolean warmAtFirstLook;
    private volatile Object seenBreaker;
    private volatile long seenPhase;
    private volatile int seenRecoveries = -1; // nothing seen: the first look starts the window, unless warm
    private volatile long sinceNanos;

    /** @param warm whether the endpoint is warm when first looked at: one of the config the proxy started with */
    public Warmth(boolean warm) {
        this.warmAtFirstLook = warm;
    }

    /**
     * The share of its turns the endpoint takes now, 0.1 to 1.
     *
     * @param breaker      its breaker, whose replacement by a reload is no return
     * @param breakerPhase that breaker's {@link dev.rampart.core.resilience.CircuitBreaker#phase()}
     * @param phaseSince   when that phase began ({@link Long#MIN_VALUE} when not known: now)
     * @param recoveries   how often its health check has passed again ({@link
     *                     dev.rampart.core.health.EndpointHealth#recoveries()})
     * @param recoveredAt  when it last did ({@link Long#MIN_VALUE} when not known: now)
     */
    double share(Object breaker, long breakerPhase, long phaseSince, int recoveries, long recoveredAt, long nowNanos,
                 long windowNanos) {
        if (breaker != seenBreaker || breakerPhase != seenPhase || recoveries != seenRecoveries) {
            synchronized (this) {
                if (breaker != seenBreaker || breakerPhase != seenPhase || recoveries != seenRecoveries) {
                    boolean firstLook = seenRecoveries == -1;
                    boolean returned = firstLook ? !warmAtFirstLook
                            : breaker == seenBreaker || recoveries != seenRecoveries;
                    if (returned) {
                        // The later of the changes seen: the endpoint is back since the last of them.
                        long when = firstLook ? nowNanos : Math.max(
                                recoveries != seenRecoveries ? recoveredAt : Long.MIN_VALUE,
                                breaker == seenBreaker && breakerPhase != seenPhase ? phaseSince : Long.MIN_VALUE);
                        sinceNanos = when == Long.MIN_VALUE || when > nowNanos ? nowNanos : when;
                    } else if (firstLook) {
                        sinceNanos = nowNanos - LONG_AGO;
                    }
                    seenBreaker = breaker;
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
