package dev.rampart.core.upstream.pool;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;

import java.time.Duration;

/**
 * What identifies a pool: the endpoint and the settings its connections were made with. A reload that
 * changes any of these gets a new pool; the old one drains.
 *
 * @param maxConnections the endpoint's limit across all event loops ({@code max-connections-per-endpoint})
 * @param maxAge         a connection this old is closed instead of reused (zero: no limit), so that
 *                       traffic moves to what the endpoint's name resolves to now
 * @param maxPending     acquisitions allowed to wait for a connection per event loop before failing fast
 * @param tls            how {@code https://} endpoints are verified
 * @param maxRequests    requests a connection carries before it is closed instead of reused (zero: no limit)
 */
public record PoolSettings(
        EndpointAddress address,
        Duration connectTimeout,
        int maxConnections,
        Duration idleTimeout,
        Duration maxAge,
        int maxPending,
        UpstreamTlsConfig tls,
        long maxRequests) {

    /** Settings whose connections carry any number of requests. */
    public PoolSettings(EndpointAddress address, Duration connectTimeout, int maxConnections, Duration idleTimeout,
                        Duration maxAge, int maxPending, UpstreamTlsConfig tls) {
        this(address, connectTimeout, maxConnections, idleTimeout, maxAge, maxPending, tls, 0);
    }
}
