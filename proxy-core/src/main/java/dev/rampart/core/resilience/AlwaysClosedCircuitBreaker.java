package dev.rampart.core.resilience;

/**
 * The breaker of a disabled {@code circuit-breaker}: admits everything, records nothing. Stateless, yet one
 * per endpoint: the {@link BreakerRegistry} keeps the breakers a reload still uses by identity, and one shared
 * instance would keep every disabled endpoint's entry alive, listed twice once its breaker is enabled.
 */
final class AlwaysClosedCircuitBreaker implements CircuitBreaker {

    @Override
    public boolean tryAcquirePermission() {
        return true;
    }

    @Override
    public void onSuccess(long durationNanos) {
    }

    @Override
    public void onFailure(long durationNanos) {
    }

    @Override
    public void onCancelled() {
    }

    @Override
    public State state() {
        return State.CLOSED;
    }

    @Override
    public long nanosUntilHalfOpen() {
        return 0;
    }

    @Override
    public double failureRate() {
        return 0;
    }

    @Override
    public int callsInWindow() {
        return 0;
    }

    @Override
    public String toString() {
        return "CircuitBreaker(disabled)";
    }
}
