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
 * @param halfOpenOnHealthCheck  whether the upstream's {@code health-check} passing {@code healthy-threshold} probes in
 *                               a row, all sent after the breaker opened, ends its open period at once (half-open), once
 *                               between two closings; nothing without a {@code health-check}
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
        int halfOpenProbes,
        boolean halfOpenOnHealthCheck) {

    /** The settings with {@code half-open-on-health-check} at its default, {@code true}. */
    public CircuitBreakerConfig(boolean enabled, Duration window, int minimumCalls, double failureRateThreshold,
                                int consecutiveFailures, Duration slowCallDuration, double slowCallRateThreshold,
                                Duration openDuration, Duration maxOpenDuration, int halfOpenProbes) {
        this(enabled, window, minimumCalls, failureRateThreshold, consecutiveFailures, slowCallDuration,
                slowCallRateThreshold, openDuration, maxOpenDuration, halfOpenProbes, true);
    }
}
