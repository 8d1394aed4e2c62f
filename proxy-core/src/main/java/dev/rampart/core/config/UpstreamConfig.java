package dev.rampart.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** One named upstream ({@code rampart.upstreams.NAME}). */
public record UpstreamConfig(
        String name,
        List<EndpointAddress> endpoints,
        LoadBalancing loadBalancing,
        Duration connectTimeout,
        int maxConnectionsPerEndpoint,
        Duration poolIdleTimeout,
        int maxConcurrentRequests,
        CircuitBreakerConfig circuitBreaker,
        Optional<HealthCheckConfig> healthCheck,
        UpstreamTlsConfig tls) {

    public UpstreamConfig {
        endpoints = List.copyOf(endpoints);
    }
}
