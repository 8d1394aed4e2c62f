package dev.rampart.core.upstream;

/**
 * How far an endpoint is into its {@code slow-start}: it starts again whenever the endpoint comes back into rotation
 * (its breaker changes phase, or its health check passes again after failing) or joins the upstream, and its share of
 * new requests grows from a tenth to all of it over the window, as Envoy's and HAProxy's slow start do. Kept across
 * reloads with the endpoint's load ({@link EndpointLoads}), so that a reload does not warm endpoints up again.
 *
 * <p>Changes are seen when the endpoint is next considered for a request, and dated when they happened (the
 * breaker's phase began, the health check passed again, the reload added the endpoint): a backup back from a failed
 * check is warm by the time the primaries fail and it is first considered, and so is an endpoint a reload added
 * longer than a window ago, whether slow start was on then or is turned on only now. An endpoint of the first config
 * is warm from the start (all of them start together: there is nothing to ramp between them). A breaker or a health
 * check replaced by a reload (its settings changed, the check added or removed) is no return: the endpoint did not
 * leave. Read by every event loop; the fast path (unchanged, warm) reads five volatile fields.
 */
public final class Warmth {

    /** The share an endpoint has at the start of its window: Envoy's default {@code min_weight_percent}. */
    static final double FIRST_SHARE = 0.1;

    /** Long enough ago that any window has passed, and no overflow when subtracted from a ticker's time. */
    private static final long LONG_AGO = Long.MAX_VALUE / 4;

    /** When the endpoint joined its upstream, in ticker time; {@link #LONG_AGO} before now for the first config's. */
    private final long joinedNanos;
    private final boolean joinedLongAgo;
    private volatile boolean seen;
    private volatile Object seenBreaker;
    private volatile long seenPhase;
    private volatile Object seenHealth;
    private volatile int seenRecoveries;
    private volatile long sinceNanos;
    /** When a change was last seen: a replaced check's recovery after it is one not seen yet. */
    private volatile long seenAtNanos;

    private Warmth(long joinedNanos, boolean joinedLongAgo) {
        this.joinedNanos = joinedNanos;
        this.joinedLongAgo = joinedLongAgo;
    }

    /** An endpoint of the config the proxy started with: warm from the start. */
    public static Warmth ofFirstConfig() {
        return new Warmth(0, true);
    }

    /** An endpoint a reload added at {@code nowNanos} (ticker time): its window runs from then. */
    public static Warmth joinedAt(long nowNanos) {
        return new Warmth(nowNanos, false);
    }

    /**
     * The share of its turns the endpoint takes now, 0.1 to 1.
     *
     * @param breaker      its breaker, whose replacement by a reload is no return
     * @param breakerPhase that breaker's {@link dev.rampart.core.resilience.CircuitBreaker#phase()}
     * @param phaseSince   when that phase began ({@link Long#MIN_VALUE} when not known: now)
     * @param health       its health verdict, whose replacement by a reload is no return either
     * @param recoveries   how often that health check has passed again ({@link
     *                     dev.rampart.core.health.EndpointHealth#recoveries()})
     * @param recoveredAt  when it last did ({@link Long#MIN_VALUE} when not known: now)
     */
    double share(Object breaker, long breakerPhase, long phaseSince, Object health, int recoveries, long recoveredAt,
                 long nowNanos, long windowNanos) {
        if (!seen || breaker != seenBreaker || breakerPhase != seenPhase || health != seenHealth
                || recoveries != seenRecoveries) {
            synchronized (this) {
                if (!seen) {
                    long joined = joinedLongAgo ? nowNanos - LONG_AGO : Math.min(joinedNanos, nowNanos);
                    // A check passed again before this first look (the endpoint was down before any request
                    // reached it, or a backup nobody needed) is a return all the same, dated when it happened.
                    sinceNanos = recoveredAt != Long.MIN_VALUE && recoveredAt > joined
                            ? Math.min(recoveredAt, nowNanos) : joined;
                } else if (breaker != seenBreaker || breakerPhase != seenPhase || health != seenHealth
                        || recoveries != seenRecoveries) {
                    boolean breakerReturned = breaker == seenBreaker && breakerPhase != seenPhase;
                    // A check a reload replaced is no return, but one it (or the check it replaced) passed again
                    // since the last look is: the verdict carries on across the replacement, with its date.
                    boolean healthReturned = health == seenHealth ? recoveries != seenRecoveries
                            : recoveredAt != Long.MIN_VALUE && recoveredAt > seenAtNanos;
                    if (breakerReturned || healthReturned) {
                        // The later of the changes seen: the endpoint is back since the last of them.
                        long when = Math.max(healthReturned ? recoveredAt : Long.MIN_VALUE,
                                breakerReturned ? phaseSince : Long.MIN_VALUE);
                        sinceNanos = when == Long.MIN_VALUE || when > nowNanos ? nowNanos : when;
                    }
                }
                seenBreaker = breaker;
                seenPhase = breakerPhase;
                seenHealth = health;
                seenRecoveries = recoveries;
                seenAtNanos = nowNanos;
                seen = true;
            }
        }
        long elapsed = nowNanos - sinceNanos;
        if (elapsed >= windowNanos) {
            return 1;
        }
        return Math.max(FIRST_SHARE, (double) elapsed / windowNanos);
    }
}
