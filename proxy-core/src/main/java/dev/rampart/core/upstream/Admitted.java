package dev.rampart.core.upstream;

/**
 * An endpoint picked for an attempt, with the phase of its breaker that admitted it: the attempt's outcome is
 * reported with that phase, and counts only while the breaker is still in it.
 *
 * @param breakerPhase what the endpoint's breaker's {@link dev.rampart.core.resilience.CircuitBreaker#tryAdmit()}
 *                     returned
 */
public record Admitted(Endpoint endpoint, long breakerPhase) {
}
