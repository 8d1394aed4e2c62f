package dev.rampart.core.resilience;

import dev.rampart.core.config.BackoffConfig;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How long to wait before a retry. Jitter keeps the retries of many clients that failed at the same
 * moment from arriving at the recovering upstream at the same moment again.
 */
@FunctionalInterface
public interface Backoff {

    /**
     * Exponential backoff per {@code retry.backoff}: before retry N the base delay is
     * {@code d = min(max, initial × multiplier^(N-1))}, then {@code full} jitter picks uniformly in
     * {@code [0, d]}, {@code equal} in {@code [d/2, d]}, {@code none} gives exactly {@code d}.
     *
     * @param random shared by every event loop that retries on the route, so it must tolerate
     *               concurrent use ({@link java.util.Random} or {@link java.util.concurrent.ThreadLocalRandom#current()}
     *               in production; a seeded {@link java.util.SplittableRandom} is for single-threaded tests only)
     */
    static Backoff of(BackoffConfig config, RandomGenerator random) {
        return new ExponentialBackoff(config, random);
    }

    /**
     * The delay before retry {@code retryNumber}, where 1 is the retry after the first attempt.
     *
     * @throws IllegalArgumentException if {@code retryNumber < 1}
     */
    Duration delayForRetry(int retryNumber);
}
