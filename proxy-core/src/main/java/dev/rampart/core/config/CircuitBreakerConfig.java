package dev.rampart.core.config;

import java.time.Duration;

/**
 * One breaker per endpoint ({@code rampart.upstreams.NAME.circuit-breaker}).
 *
 * @param failureRateThreshold   percent (0-100) of failed calls in the window that opens the breaker
 * @param consecutiveFailures    failures in a row that open the breaker; 0 turns this rule off
 * @param slowCallDuration       calls slower than this count as slow; zero turns slow-call tracking off
 * @param slowCallRateThreshold  percent (0-100) of slow calls in the window that opens the breaker
 * @param openDuration           first open period; doubles on every re-open up to {@code maxOpenDuration}
 */
public record CircuitBreakerConfig(
        boolean enabled,
        Duration window,
        int minimumCalls,
        double failureRateThreshold,
        int consecutiveFailures,
        Duration slowCallDuration,
        double slowCallRateThreshold,
        Duration openDuration,
        Duration maxOpenDuration,
        int halfOpenProbes) {
}
