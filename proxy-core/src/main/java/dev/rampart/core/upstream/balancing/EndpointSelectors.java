package dev.rampart.core.upstream.balancing;

import dev.rampart.core.config.LoadBalancing;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/** Creates the {@link EndpointSelector} for a configured {@code load-balancing} policy. */
public final class EndpointSelectors {

    private static final String NEEDS_ADDRESSES = "consistent-hash places endpoints by their addresses: forEndpoints";

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
            case CONSISTENT_HASH -> throw new IllegalArgumentException(NEEDS_ADDRESSES);
        };
    }

    /**
     * A new selector for one upstream whose endpoints have weights: {@code weights[i]} is that of the endpoint
     * every selection will find at index i. Weights all equal give the unweighted selector.
     */
    public static EndpointSelector weighted(LoadBalancing policy, int[] weights, RandomGenerator random) {
        Objects.requireNonNull(policy, "policy");
        if (Arrays.stream(weights).distinct().count() <= 1) {
            return of(policy, random);
        }
        WeightedTurns turns = new WeightedTurns(weights);
        Randomness randomness = new Randomness(random);
        return switch (policy) {
            case ROUND_ROBIN -> new RoundRobinSelector(randomness, turns);
            case LEAST_REQUEST -> new WeightedLeastRequestSelector(turns, randomness);
            case RANDOM -> new WeightedRandomSelector(turns, randomness);
            case CONSISTENT_HASH -> throw new IllegalArgumentException(NEEDS_ADDRESSES);
        };
    }

    /**
     * A new selector for one upstream: {@code addresses[i]} and {@code weights[i]} are those of the endpoint
     * every selection will find at index i. The addresses place the endpoints on a {@code consistent-hash}
     * ring; the other policies need only the weights (see {@link #weighted}).
     */
    public static EndpointSelector forEndpoints(LoadBalancing policy, List<String> addresses, int[] weights,
                                                RandomGenerator random) {
        return forEndpoints(policy, addresses, weights, 0, random);
    }

    /**
     * As {@link #forEndpoints(LoadBalancing, List, int[], RandomGenerator)}, with a ring's bound on load:
     * {@code balanceFactor} percent of an endpoint's average share of the attempts in flight (0: no bound).
     */
    public static EndpointSelector forEndpoints(LoadBalancing policy, List<String> addresses, int[] weights,
                                                int balanceFactor, RandomGenerator random) {
        if (policy != LoadBalancing.CONSISTENT_HASH) {
            return weighted(policy, weights, random);
        }
        // Requests without a key take turns, weighted as the ring is.
        return new ConsistentHashSelector(addresses, weights, balanceFactor,
                weighted(LoadBalancing.ROUND_ROBIN, weights, random));
    }
}
