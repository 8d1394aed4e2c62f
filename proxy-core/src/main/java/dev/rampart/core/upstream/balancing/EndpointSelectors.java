package dev.rampart.core.upstream.balancing;

import dev.rampart.core.config.LoadBalancing;

import java.util.Objects;
import java.util.random.RandomGenerator;

/** Creates the {@link EndpointSelector} for a configured {@code load-balancing} policy. */
public final class EndpointSelectors {

    private EndpointSelectors() {
    }

    /** A new selector for one upstream, drawing randomness from {@link java.util.concurrent.ThreadLocalRandom}. */
    public static EndpointSelector of(LoadBalancing policy) {
        return of(policy, null);
    }

    /**
     * A new selector for one upstream with a given source of randomness, so that tests are repeatable.
     *
     * @param random used for every random choice (and round-robin's starting point); it must be
     *               thread-safe if the selector is shared between threads. Null means
     *               {@link java.util.concurrent.ThreadLocalRandom}.
     */
    public static EndpointSelector of(LoadBalancing policy, RandomGenerator random) {
        Objects.requireNonNull(policy, "policy");
        Randomness randomness = new Randomness(random);
        return switch (policy) {
            case ROUND_ROBIN -> new RoundRobinSelector(randomness);
            case LEAST_REQUEST -> new LeastRequestSelector(randomness);
            case RANDOM -> new RandomSelector(randomness);
        };
    }
}
