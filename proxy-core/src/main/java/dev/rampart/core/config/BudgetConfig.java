package dev.rampart.core.config;

/**
 * Retries may add at most {@code ratio} times the requests, plus {@code minPerSecond} per second.
 */
public record BudgetConfig(double ratio, int minPerSecond) {
}
