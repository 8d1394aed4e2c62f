package dev.rampart.core.config;

import java.util.Optional;

/**
 * A route's {@code canary}: a share of its requests goes to another upstream (a new release behind its own pool,
 * breakers and health checks), as nginx ingress's {@code canary-weight} and Envoy's weighted clusters do. Without
 * {@code sticky} each request is drawn anew; with it, requests with the same key always take the same side, and
 * raising {@code percent} only moves keys from the route's upstream to the canary, never back.
 *
 * @param upstream    the canary's upstream; never the route's own
 * @param basisPoints the share of requests it takes, in hundredths of a percent (0–10000)
 * @param sticky      what of a request keeps it on one side; empty: nothing, each request is drawn
 */
public record CanaryConfig(String upstream, int basisPoints, Optional<ConsistentHashConfig> sticky) {

    /** Basis points in the whole: 100 %, and the slots a request may take. */
    public static final int ALL = 10_000;

    public CanaryConfig {
        if (basisPoints < 0 || basisPoints > ALL) {
            throw new IllegalArgumentException("basis points 0-10000, got " + basisPoints);
        }
    }

    /** The share as configured, a percentage. */
    public double percent() {
        return basisPoints / 100.0;
    }
}
