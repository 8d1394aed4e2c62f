package dev.rampart.core.proxy;

import dev.rampart.core.config.ConsistentHashConfig;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.upstream.Upstream;
import dev.rampart.core.upstream.balancing.KeyHash;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;

/**
 * The key that places a request on its upstream's {@code consistent-hash} ring, as a hash
 * ({@link KeyHash}); {@link Upstream#NO_KEY} when the upstream has no ring or the request lacks the key (no
 * such header or cookie, or an empty one), so that it is placed as a request without affinity.
 */
final class BalancingKey {

    private BalancingKey() {
    }

    /**
     * @param route      the request's route, whose header rules and token claims make what the upstream gets
     * @param claims     the claim headers the route's {@code jwt} found in the request's token
     * @param routedPath the request's target as routing saw it (normal form, with its query)
     * @param clientIp   the client's address (see {@link RealClient})
     */
    static long of(Upstream upstream, RouteConfig route, List<Map.Entry<String, String>> claims, HttpHeaders headers,
                   String routedPath, String clientIp) {
        ConsistentHashConfig hash = upstream.config().consistentHash().orElse(null);
        if (hash == null) {
            return Upstream.NO_KEY;
        }
        String key = text(hash, route, claims, headers, routedPath, clientIp);
        if (key == null || key.isEmpty()) {
            return Upstream.NO_KEY;
        }
        long keyHash = KeyHash.of(key);
        return keyHash == Upstream.NO_KEY ? 1 : keyHash; // a key that hashes to the marker still has a place
    }

    /**
     * The key {@code hash} names, as text: the client's address, the header's or cookie's value as the upstream
     * gets it ({@link UpstreamFieldView}), or the path without its query; null or empty when the request lacks it.
     */
    static String text(ConsistentHashConfig hash, RouteConfig route, List<Map.Entry<String, String>> claims,
                       HttpHeaders headers, String routedPath, String clientIp) {
        return switch (hash.key()) {
            case CLIENT_ADDRESS -> clientIp;
            case HEADER -> RateLimitKey.listValue(UpstreamFieldView.of(route, claims, headers,
                    hash.name().orElseThrow()), hash.name().orElseThrow());
            case COOKIE -> RequestCookies.value(UpstreamFieldView.of(route, claims, headers,
                    HttpHeaderNames.COOKIE.toString()), hash.name().orElseThrow(), false);
            case PATH -> withoutQuery(routedPath);
        };
    }

    private static String withoutQuery(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }
}
