package dev.rampart.core.config;

import java.time.Duration;

/** Optional active health check of an upstream's endpoints. */
public record HealthCheckConfig(
        String path,
        Duration interval,
        Duration timeout,
        int healthyThreshold,
        int unhealthyThreshold) {
}
