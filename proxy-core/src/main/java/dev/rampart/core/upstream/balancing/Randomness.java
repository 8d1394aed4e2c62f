package dev.rampart.core.upstream.balancing;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The selectors' source of randomness: an injected generator in tests, otherwise the calling
 * thread's {@link ThreadLocalRandom}, fetched per call as its contract requires (never shared across
 * threads), which keeps event loops from contending on one seed.
 */
final class Randomness {

    private final RandomGenerator fixed;

    Randomness(RandomGenerator fixed) {
        this.fixed = fixed;
    }

    RandomGenerator get() {
        return fixed != null ? fixed : ThreadLocalRandom.current();
    }
}
