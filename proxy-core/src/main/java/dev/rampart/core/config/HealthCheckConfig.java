package dev.rampart.core.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Optional active health check of an upstream's endpoints.
 *
 * @param reuseConnection  whether probes keep their connection open for the next probe (Envoy's default)
 *                         rather than open one for each probe and ask for {@code Connection: close} (HAProxy's)
 * @param expectedStatuses the statuses of the final answer that pass a probe; any other fails it
 * @param host             the {@code Host} the probes send; empty: the endpoint's own, as traffic without
 *                         {@code preserve-host} has it
 * @param type             what a probe does: an HTTP request, or only a connect (TLS included for {@code https://})
 */
public record HealthCheckConfig(
        String path,
        Duration interval,
        Duration timeout,
        int healthyThreshold,
        int unhealthyThreshold,
        boolean reuseConnection,
        ExpectedStatuses expectedStatuses,
        Optional<String> host,
        Type type) {

    /**
     * What a probe does. {@code TCP} passes once the connection (and, to an {@code https://} endpoint, the TLS
     * handshake) is made, then closes it: HAProxy's plain {@code check}, Envoy's {@code tcp_health_check}, for an
     * endpoint with no health page.
     */
    public enum Type {
        HTTP, TCP;

        /** The name the config file uses. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** An HTTP check. */
    public HealthCheckConfig(String path, Duration interval, Duration timeout, int healthyThreshold,
                             int unhealthyThreshold, boolean reuseConnection, ExpectedStatuses expectedStatuses,
                             Optional<String> host) {
        this(path, interval, timeout, healthyThreshold, unhealthyThreshold, reuseConnection, expectedStatuses, host,
                Type.HTTP);
    }

    /** A check whose probes keep their connection, the default. */
    public HealthCheckConfig(String path, Duration interval, Duration timeout, int healthyThreshold,
                             int unhealthyThreshold) {
        this(path, interval, timeout, healthyThreshold, unhealthyThreshold, true);
    }

    /** A check that any 2xx passes, sent with the endpoint's own {@code Host}: the defaults. */
    public HealthCheckConfig(String path, Duration interval, Duration timeout, int healthyThreshold,
                             int unhealthyThreshold, boolean reuseConnection) {
        this(path, interval, timeout, healthyThreshold, unhealthyThreshold, reuseConnection,
                ExpectedStatuses.ANY_2XX, Optional.empty());
    }
}
