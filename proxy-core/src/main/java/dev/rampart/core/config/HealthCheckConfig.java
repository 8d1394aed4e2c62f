package dev.rampart.core.config;

import java.time.Duration;

/**
 * Optional active health check of an upstream's endpoints.
 *
 * @param reuseConnection whether probes keep their connection open for the next probe (Envoy's default)
 *                        rather than open one for each probe and ask for {@code Connection: close} (HAProxy's)
 */
public record HealthCheckConfig(
        String path,
        Duration interval,
        Duration timeout,
        int healthyThreshold,
        int unhealthyThreshold,
        boolean reuseConnection) {

    /** A check whose probes keep their connection, the default. */
    public HealthCheckConfig(String path, Duration interval, Duration timeout, int healthyThreshold,
                             int unhealthyThreshold) {
        this(path, interval, timeout, healthyThreshold, unhealthyThreshold, true);
    }
}
