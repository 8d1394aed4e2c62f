package dev.rampart.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A route's {@code rate-limit}: at most {@code requestsPerSecond} on average, with up to {@code burst} at once
 * after a quiet spell (a token bucket of {@code burst} tokens refilled at {@code requestsPerSecond}), counted
 * for each client address, for each value of a request header, or for the whole route.
 *
 * <p>A limit is a route's own (written in the route) or one of {@code rampart.rate-limits}, named by the routes
 * that use it: those share its buckets, so that a client's requests to any of them draw on one bucket (nginx's
 * {@code limit_req_zone} applied in several locations).
 *
 * @param header the request header whose value keys a bucket; present exactly when {@code per} is
 *               {@link Per#HEADER}
 * @param name   the limit's name in {@code rampart.rate-limits}; empty for a route's own limit
 */
public record RateLimitConfig(double requestsPerSecond, int burst, Per per, Optional<String> header,
                              Optional<String> name) {

    public RateLimitConfig {
        if (header.isPresent() != (per == Per.HEADER)) {
            throw new IllegalArgumentException("a header names the buckets exactly when per = header");
        }
    }

    /** A route's own limit. */
    public RateLimitConfig(double requestsPerSecond, int burst, Per per, Optional<String> header) {
        this(requestsPerSecond, burst, per, header, Optional.empty());
    }

    /** This limit as the one {@code rampart.rate-limits} declares under {@code limitName}. */
    public RateLimitConfig named(String limitName) {
        return new RateLimitConfig(requestsPerSecond, burst, per, header, Optional.of(limitName));
    }

    /**
     * The same limit whatever the spelling of its header's name: names ignore case, and {@code X_Api_Key} keys the
     * same lines as {@code X-Api-Key}. A reload compares limits to keep a route's buckets, and one that only wrote
     * the name another way would otherwise hand every key a full bucket again.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof RateLimitConfig that
                && Double.compare(requestsPerSecond, that.requestsPerSecond) == 0
                && burst == that.burst
                && per == that.per
                && header.map(HeaderRules::spelling).equals(that.header.map(HeaderRules::spelling))
                && name.equals(that.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestsPerSecond, burst, per, header.map(HeaderRules::spelling), name);
    }

    /** A limit per client address or per route, which name no header. */
    public RateLimitConfig(double requestsPerSecond, int burst, Per per) {
        this(requestsPerSecond, burst, per, Optional.empty());
    }

    /** What one bucket is kept for. */
    public enum Per {
        /** Each client's own bucket, keyed by the connection's peer address (nginx's {@code $binary_remote_addr}). */
        CLIENT_IP("client-ip"),
        /**
         * A bucket for each value of a request header, an API key say (nginx's {@code $http_x_api_key}); a request
         * without it is keyed by its client address.
         */
        HEADER("header"),
        /** One bucket for the route, shared by every client (Envoy's local rate limit). */
        ROUTE("route");

        private final String configName;

        Per(String configName) {
            this.configName = configName;
        }

        /** The spelling used in HOCON. */
        public String configName() {
            return configName;
        }
    }
}
