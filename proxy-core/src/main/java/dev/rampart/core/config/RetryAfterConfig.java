package dev.rampart.core.config;

import java.time.Duration;

/** Whether and how far an upstream's {@code Retry-After} on 429/503 is honoured. */
public record RetryAfterConfig(boolean honor, Duration max) {
}
