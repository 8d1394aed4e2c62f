package dev.rampart.core.upstream.balancing;

import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A random eligible endpoint, each with a chance in proportion to its weight. One draw when it lands on an
 * eligible endpoint; otherwise one pass of weighted reservoir sampling over the eligible ones, so that the
 * result stays in proportion to the weights of those that are left.
 */
final class WeightedRandomSelector implements EndpointSelector {

    private final WeightedTurns turns;
    private final Randomness randomness;

    WeightedRandomSelector(WeightedTurns turns, Randomness randomness) {
        this.turns = turns;
        this.randomness = randomness;
    }

    @Override
    public <E extends LoadAware> E select(List<E> endpoints, Predicate<? super E> eligible) {
        RandomGenerator random = randomness.get();
        E first = endpoints.get(turns.order[random.nextInt(turns.order.length)]);
        if (eligible.test(first)) {
            return first;
        }
        int drawn = drawEligible(endpoints, eligible, -1, turns.weights, random);
        return drawn < 0 ? null : endpoints.get(drawn);
    }

    /**
     * The index of one endpoint drawn in proportion to its weight among the eligible ones other than the one at
     * {@code except} (-1: none excepted): each replaces the one held with the chance of its weight in the
     * weight seen so far. -1 when none is eligible.
     */
    static <E extends LoadAware> int drawEligible(List<E> endpoints, Predicate<? super E> eligible, int except,
                                                  int[] weights, RandomGenerator random) {
        int chosen = -1;
        long seen = 0;
        for (int k = 0; k < endpoints.size(); k++) {
            if (k != except && eligible.test(endpoints.get(k))) {
                seen += weights[k];
                if (random.nextLong(seen) < weights[k]) {
                    chosen = k;
                }
            }
        }
        return chosen;
    }

    @Override
    public String toString() {
        return "weighted random";
    }
}
