package dev.rampart.core.config;

import java.time.Duration;
import java.util.Optional;

/**
 * The client-facing listener ({@code rampart.server}).
 *
 * @param requestBodyTimeout longest pause between two chunks of a request body before 408
 *                           (an addition to the contract's keys: {@code request-body-timeout})
 */
public record ServerConfig(
        String host,
        int port,
        Optional<TlsConfig> tls,
        int maxConnections,
        Duration idleTimeout,
        Duration requestHeaderTimeout,
        Duration requestBodyTimeout,
        int maxInitialLine,
        int maxHeaderSize,
        long maxRequestBody,
        Duration shutdownGrace) {
}
