package dev.rampart.core.proxy;

import dev.rampart.core.config.CanaryConfig;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.upstream.balancing.KeyHash;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which upstream a request to a route with a {@code canary} goes to. A request that names its side (the canary's
 * {@code by-header}, then its {@code by-cookie}) takes it; any other takes a slot of 10,000: drawn at random, or
 * with {@code sticky} the hash of its key (so one key always has one slot); slots below the canary's share go to
 * the canary. A retry stays with the side the request was given.
 */
final class CanarySplit {

    /** Keeps a key's slot apart from its place on a consistent-hash ring keyed by the same value. */
    private static final String SALT = "canary\u0000";
    private static final String ALWAYS = "always";
    private static final String NEVER = "never";

    private CanarySplit() {
    }

    /**
     * @param claims     the claim headers the route's {@code jwt} found in the request's token
     * @param routedPath the request's target as routing saw it (normal form, with its query)
     * @param clientIp   the client's address (see {@link RealClient})
     */
    static String upstreamOf(RouteConfig route, List<Map.Entry<String, String>> claims, HttpHeaders headers,
                             String routedPath, String clientIp) {
        String upstream = route.upstream().orElseThrow();
        CanaryConfig canary = route.canary().orElse(null);
        if (canary == null) {
            return upstream;
        }
        Boolean chosen = chosenSide(canary, headers);
        if (chosen != null) {
            return chosen ? canary.upstream() : upstream;
        }
        if (canary.basisPoints() == 0) {
            return upstream;
        }
        return slot(canary, route, claims, headers, routedPath, clientIp) < canary.basisPoints()
                ? canary.upstream() : upstream;
    }

    /**
     * True for the canary, false for the route's upstream, null when the request names no side. The header comes
     * first (its first line, as a request's other single-valued headers are read), then the cookie; a value that
     * names no side leaves the choice to the next, and at last to the share, as nginx ingress does.
     */
    private static Boolean chosenSide(CanaryConfig canary, HttpHeaders headers) {
        if (canary.byHeader().isPresent()) {
            String value = headers.get(canary.byHeader().get());
            if (value != null) {
                if (canary.byHeaderValue().isPresent()) {
                    if (value.equals(canary.byHeaderValue().get())) {
                        return Boolean.TRUE;
                    }
                } else if (value.equals(ALWAYS) || value.equals(NEVER)) {
                    return value.equals(ALWAYS);
                }
            }
        }
        if (canary.byCookie().isPresent()) {
            String value = RequestCookies.value(headers, canary.byCookie().get(), false);
            if (ALWAYS.equals(value) || NEVER.equals(value)) {
                return value.equals(ALWAYS);
            }
        }
        return null;
    }

    static int slot(CanaryConfig canary, RouteConfig route, List<Map.Entry<String, String>> claims, HttpHeaders headers,
                    String routedPath, String clientIp) {
        String key = canary.sticky().map(sticky -> BalancingKey.text(sticky, route, claims, headers, routedPath, clientIp))
                .orElse(null);
        if (key == null || key.isEmpty()) {
            return ThreadLocalRandom.current().nextInt(CanaryConfig.ALL);
        }
        return (int) Long.remainderUnsigned(KeyHash.of(SALT + key), CanaryConfig.ALL);
    }
}
