package dev.rampart.core.upstream.balancing;

import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A uniformly random eligible endpoint. One draw when it lands on an eligible endpoint; otherwise a
 * one-pass reservoir sample over the eligible ones, so that an ineligible endpoint's share is spread
 * evenly instead of falling to its neighbour (the result stays uniform over the eligible endpoints).
 */
final class RandomSelector implements EndpointSelector {

    private final Randomness randomness;

    RandomSelector(Randomness randomness) {
        this.randomness = randomness;
    }

    @Override
    public <E extends LoadAware> E select(List<E> endpoints, Predicate<? super E> eligible) {
        int n = endpoints.size();
        if (n == 0) {
            return null;
        }
        RandomGenerator random = randomness.get();
        E first = endpoints.get(n == 1 ? 0 : random.nextInt(n));
        if (eligible.test(first)) {
            return first;
        }
        E chosen = null;
        int seen = 0;
        for (int k = 0; k < n; k++) {
            E endpoint = endpoints.get(k);
            if (eligible.test(endpoint) && random.nextInt(++seen) == 0) {
                chosen = endpoint;
            }
        }
        return chosen;
    }

    @Override
    public String toString() {
        return "random";
    }
}
