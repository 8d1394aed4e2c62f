package dev.rampart.core.resilience;

import dev.rampart.core.config.BackoffConfig;
import dev.rampart.core.config.BackoffConfig.Jitter;

import java.time.Duration;
import java.util.random.RandomGenerator;

import static dev.rampart.core.resilience.Checks.checkArgument;
import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * {@code min(max, initial × multiplier^(N-1))} with jitter. The growth is computed in {@code double}
 * and clamped before it becomes a {@code long}, so retry 10 000 with multiplier 2 is simply {@code max}
 * rather than an overflowed negative delay.
 */
final class ExponentialBackoff implements Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private final double multiplier;
    private final Jitter jitter;
    private final RandomGenerator random;

    ExponentialBackoff(BackoffConfig config, RandomGenerator random) {
        checkNotNull(config, "config");
        this.random = checkNotNull(random, "random");
        this.jitter = checkNotNull(config.jitter(), "jitter");
        this.initialNanos = Checks.nonNegativeNanos("initial", config.initial());
        this.maxNanos = Checks.nonNegativeNanos("max", config.max());
        checkArgument(maxNanos >= initialNanos, "max: %s (expected: >= initial %s)", config.max(), config.initial());
        this.multiplier = config.multiplier();
        checkArgument(Double.isFinite(multiplier) && multiplier >= 1.0, "multiplier: %s (expected: >= 1.0)", multiplier);
    }

    @Override
    public Duration delayForRetry(int retryNumber) {
        checkArgument(retryNumber >= 1, "retryNumber: %s (expected: >= 1)", retryNumber);
        long base = baseNanos(retryNumber);
        long delay = switch (jitter) {
            case NONE -> base;
            case FULL -> uniformInclusive(base);
            case EQUAL -> base / 2 + uniformInclusive(base - base / 2);
        };
        return Duration.ofNanos(delay);
    }

    /** {@code min(max, initial × multiplier^(retryNumber-1))}, never overflowing. */
    long baseNanos(int retryNumber) {
        double grown = initialNanos * Math.pow(multiplier, retryNumber - 1);
        // NaN cannot happen (initial >= 0, multiplier >= 1) but +Infinity can: both compare false below.
        return grown < maxNanos ? (long) grown : maxNanos;
    }

    /** Uniform in {@code [0, bound]}, both ends included. */
    private long uniformInclusive(long bound) {
        if (bound <= 0) {
            return 0;
        }
        return bound == Long.MAX_VALUE ? random.nextLong(0, bound) : random.nextLong(0, bound + 1);
    }

    @Override
    public String toString() {
        return "ExponentialBackoff(initial=" + Duration.ofNanos(initialNanos) + ", max=" + Duration.ofNanos(maxNanos)
                + ", multiplier=" + multiplier + ", jitter=" + jitter.configName() + ')';
    }
}
