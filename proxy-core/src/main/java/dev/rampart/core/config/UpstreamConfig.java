package dev.rampart.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One named upstream ({@code rampart.upstreams.NAME}).
 *
 * @param poolMaxConnectionAge a pooled connection this old is not reused; zero for no limit
 */
public record UpstreamConfig(
        String name,
        List<EndpointAddress> endpoints,
        LoadBalancing loadBalancing,
        Duration connectTimeout,
        int maxConnectionsPerEndpoint,
        Duration poolIdleTimeout,
        Duration poolMaxConnectionAge,
        int maxConcurrentRequests,
        CircuitBreakerConfig circuitBreaker,
        Optional<HealthCheckConfig> healthCheck,
        UpstreamTlsConfig tls) {

    /** PRODUCT §2's default of {@code max-connections-per-endpoint}. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT = 512;
    /** PRODUCT §2's default of {@code max-concurrent-requests}. */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 1024;

    public UpstreamConfig {
        endpoints = List.copyOf(endpoints);
    }
}
