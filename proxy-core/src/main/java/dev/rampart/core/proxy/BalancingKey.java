package dev.rampart.core.proxy;

import dev.rampart.core.config.ConsistentHashConfig;
import dev.rampart.core.upstream.Upstream;
import dev.rampart.core.upstream.balancing.KeyHash;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The key that places a request on its upstream's {@code consistent-hash} ring, as a hash
 * ({@link KeyHash}); {@link Upstream#NO_KEY} when the upstream has no ring or the request lacks the key (no
 * such header or cookie, or an empty one), so that it is placed as a request without affinity.
 */
final class BalancingKey {

    private BalancingKey() {
    }

    /**
     * @param routedPath the request's target as routing saw it (normal form, with its query)
     * @param clientIp   the client's address (see {@link RealClient})
     */
    static long of(Upstream upstream, HttpHeaders headers, String routedPath, String clientIp) {
        ConsistentHashConfig hash = upstream.config().consistentHash().orElse(null);
        if (hash == null) {
            return Upstream.NO_KEY;
        }
        String key = text(hash, headers, routedPath, clientIp);
        if (key == null || key.isEmpty()) {
            return Upstream.NO_KEY;
        }
        long keyHash = KeyHash.of(key);
        return keyHash == Upstream.NO_KEY ? 1 : keyHash; // a key that hashes to the marker still has a place
    }

    /**
     * The key {@code hash} names, as text: the client's address, the header's or cookie's value, or the path
     * without its query; null or empty when the request lacks it.
     */
    static String text(ConsistentHashConfig hash, HttpHeaders headers, String routedPath, String clientIp) {
        return switch (hash.key()) {
            case CLIENT_ADDRESS -> clientIp;
            case HEADER -> RateLimitKey.listValue(headers, hash.name().orElseThrow());
            case COOKIE -> RequestCookies.value(headers, hash.name().orElseThrow(), false);
            case PATH -> withoutQuery(routedPath);
        };
    }

    private static String withoutQuery(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }
}
