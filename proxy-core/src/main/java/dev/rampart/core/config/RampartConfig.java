package dev.rampart.core.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole validated configuration: one immutable value, swapped atomically on reload.
 *
 * @param upstreams  upstreams by name, in file order
 * @param rateLimits the limits of {@code rate-limits} by name, in file order: each route that names one shares
 *                   its buckets
 * @param routes     routes in match order (first match wins)
 */
public record RampartConfig(
        ServerConfig server,
        AdminConfig admin,
        RequestIdConfig requestId,
        AccessLogConfig accessLog,
        Map<String, UpstreamConfig> upstreams,
        Map<String, RateLimitConfig> rateLimits,
        List<RouteConfig> routes) {

    public RampartConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(accessLog, "accessLog");
        upstreams = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(upstreams));
        rateLimits = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rateLimits));
        routes = List.copyOf(routes);
    }
}
