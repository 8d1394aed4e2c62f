package dev.rampart.core.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole validated configuration: one immutable value, swapped atomically on reload.
 *
 * @param upstreams upstreams by name, in file order
 * @param routes    routes in match order (first match wins)
 */
public record RampartConfig(
        ServerConfig server,
        AdminConfig admin,
        RequestIdConfig requestId,
        AccessLogConfig accessLog,
        Map<String, UpstreamConfig> upstreams,
        List<RouteConfig> routes) {

    public RampartConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(accessLog, "accessLog");
        upstreams = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(upstreams));
        routes = List.copyOf(routes);
    }
}
