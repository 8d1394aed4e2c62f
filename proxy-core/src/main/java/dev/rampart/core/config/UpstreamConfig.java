package dev.rampart.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One named upstream ({@code rampart.upstreams.NAME}).
 *
 * @param poolMaxConnectionAge a pooled connection this old is not reused; zero for no limit
 * @param poolMaxRequestsPerConnection a pooled connection that carried this many requests is not reused; zero for no
 *                             limit
 * @param weights              the endpoints whose {@code weight} is not 1, with theirs
 * @param consistentHash       what keys the endpoint; present exactly when {@code loadBalancing} is
 *                             {@link LoadBalancing#CONSISTENT_HASH}
 * @param slowStart            how long an endpoint back in rotation (or new) takes to reach its full share of new
 *                             requests; zero: it has it at once (an addition: {@code slow-start})
 * @param backups              the endpoints that take requests only when no other one can (an endpoint's
 *                             {@code backup = true}, nginx's and HAProxy's {@code backup}); never all of them
 */
public record UpstreamConfig(
        String name,
        List<EndpointAddress> endpoints,
        LoadBalancing loadBalancing,
        Duration connectTimeout,
        int maxConnectionsPerEndpoint,
        Duration poolIdleTimeout,
        Duration poolMaxConnectionAge,
        int poolMaxRequestsPerConnection,
        int maxConcurrentRequests,
        CircuitBreakerConfig circuitBreaker,
        Optional<HealthCheckConfig> healthCheck,
        UpstreamTlsConfig tls,
        Map<EndpointAddress, Integer> weights,
        Optional<ConsistentHashConfig> consistentHash,
        Duration slowStart,
        Set<EndpointAddress> backups) {

    /** PRODUCT §2's default of {@code max-connections-per-endpoint}. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT = 512;
    /** nginx's default {@code keepalive_requests} of an upstream's connections. */
    public static final int DEFAULT_POOL_MAX_REQUESTS_PER_CONNECTION = 1000;
    /** PRODUCT §2's default of {@code max-concurrent-requests}. */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 1024;

    /** The largest {@code weight} an endpoint may have, HAProxy's bound. */
    public static final int MAX_WEIGHT = 256;

    public UpstreamConfig {
        endpoints = List.copyOf(endpoints);
        weights = Map.copyOf(weights);
        backups = Set.copyOf(backups);
        if (consistentHash.isPresent() != (loadBalancing == LoadBalancing.CONSISTENT_HASH)) {
            throw new IllegalArgumentException("a consistent-hash key exactly with load-balancing = consistent-hash");
        }
        if (!slowStart.isZero() && loadBalancing == LoadBalancing.CONSISTENT_HASH) {
            throw new IllegalArgumentException("no slow start with consistent-hash");
        }
    }

    /** Whether the endpoint takes requests only when no other one can. */
    public boolean backup(EndpointAddress endpoint) {
        return backups.contains(endpoint);
    }

    /** The endpoint's share of requests relative to the others': 1 unless it has a {@code weight}. */
    public int weight(EndpointAddress endpoint) {
        return weights.getOrDefault(endpoint, 1);
    }

}
