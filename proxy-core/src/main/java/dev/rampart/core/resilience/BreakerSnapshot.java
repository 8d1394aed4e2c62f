package dev.rampart.core.resilience;

/**
 * One endpoint breaker as {@code GET /admin/breakers} shows it.
 *
 * @param upstream          the upstream's name
 * @param endpoint          the endpoint's {@code host:port}, as in metric labels
 * @param state             the breaker's state
 * @param failureRate       percent (0-100) of failed calls in the window
 * @param callsInWindow     calls in the window
 * @param secondsToHalfOpen whole seconds, rounded up, until an open breaker admits a probe; 0 otherwise
 */
public record BreakerSnapshot(
        String upstream,
        String endpoint,
        CircuitBreaker.State state,
        double failureRate,
        int callsInWindow,
        long secondsToHalfOpen) {
}
