package dev.rampart.core.config;

import java.util.Optional;

/**
 * A route's {@code canary}: a share of its requests goes to another upstream (a new release behind its own pool,
 * breakers and health checks), as nginx ingress's {@code canary-weight} and Envoy's weighted clusters do. Without
 * {@code sticky} each request is drawn anew; with it, requests with the same key always take the same side, and
 * raising {@code percent} only moves keys from the route's upstream to the canary, never back. A request can
 * choose its side with a header or a cookie ({@code by-header}, {@code by-cookie}, as nginx ingress names them),
 * so that testers reach the canary before it takes any share.
 *
 * @param upstream      the canary's upstream; never the route's own
 * @param basisPoints   the share of requests it takes, in hundredths of a percent (0–10000)
 * @param sticky        what of a request keeps it on one side; empty: nothing, each request is drawn
 * @param byHeader      a header whose value {@code always} sends the request to the canary and {@code never} to
 *                      the route's upstream (with {@code byHeaderValue}: that value to the canary, no other)
 * @param byHeaderValue the value of {@code byHeader} that sends a request to the canary, instead of {@code always}
 * @param byCookie      a cookie whose value {@code always} or {@code never} chooses the side, after the header
 */
public record CanaryConfig(String upstream, int basisPoints, Optional<ConsistentHashConfig> sticky,
                           Optional<String> byHeader, Optional<String> byHeaderValue, Optional<String> byCookie) {

    /** Basis points in the whole: 100 %, and the slots a request may take. */
    public static final int ALL = 10_000;

    public CanaryConfig {
        if (basisPoints < 0 || basisPoints > ALL) {
            throw new IllegalArgumentException("basis points 0-10000, got " + basisPoints);
        }
        if (byHeaderValue.isPresent() && byHeader.isEmpty()) {
            throw new IllegalArgumentException("a header value without the header");
        }
    }

    /** A canary that only the share and {@code sticky} decide: no header or cookie chooses a side. */
    public CanaryConfig(String upstream, int basisPoints, Optional<ConsistentHashConfig> sticky) {
        this(upstream, basisPoints, sticky, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The share as configured, a percentage. */
    public double percent() {
        return basisPoints / 100.0;
    }
}
