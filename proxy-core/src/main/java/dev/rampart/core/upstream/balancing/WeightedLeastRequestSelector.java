package dev.rampart.core.upstream.balancing;

import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Least-request by two choices with weights: two distinct endpoints are drawn, each in proportion to its
 * weight, and the one with fewer requests in flight per unit of weight takes the attempt (on a tie, one drawn
 * in proportion to their weights). So an endpoint of weight 3 is both drawn more often and trusted with three
 * times the load of one of weight 1 before the other is preferred to it (as Envoy's least-request weighs its
 * hosts).
 */
final class WeightedLeastRequestSelector implements EndpointSelector {

    /** Draws of the second endpoint before falling back to a pass: a heavy endpoint may be drawn twice. */
    private static final int SECOND_DRAWS = 4;

    private final WeightedTurns turns;
    private final Randomness randomness;

    WeightedLeastRequestSelector(WeightedTurns turns, Randomness randomness) {
        this.turns = turns;
        this.randomness = randomness;
    }

    @Override
    public <E extends LoadAware> E select(List<E> endpoints, Predicate<? super E> eligible) {
        RandomGenerator random = randomness.get();
        int[] order = turns.order;
        int a = order[random.nextInt(order.length)];
        if (endpoints.size() > 1 && eligible.test(endpoints.get(a))) {
            for (int draw = 0; draw < SECOND_DRAWS; draw++) {
                int b = order[random.nextInt(order.length)];
                if (b != a && eligible.test(endpoints.get(b))) {
                    return lessLoaded(endpoints, a, b, random);
                }
            }
        }
        // Some endpoint is not eligible, or the draws kept landing on the first one: draw both from the eligible.
        int first = WeightedRandomSelector.drawEligible(endpoints, eligible, -1, turns.weights, random);
        if (first < 0) {
            return null;
        }
        int second = WeightedRandomSelector.drawEligible(endpoints, eligible, first, turns.weights, random);
        return second < 0 ? endpoints.get(first) : lessLoaded(endpoints, first, second, random);
    }

    /** The endpoint with fewer requests in flight per unit of weight: a / wa against b / wb, multiplied out. */
    private <E extends LoadAware> E lessLoaded(List<E> endpoints, int a, int b, RandomGenerator random) {
        long loadA = (long) endpoints.get(a).inFlight() * turns.weights[b];
        long loadB = (long) endpoints.get(b).inFlight() * turns.weights[a];
        if (loadA != loadB) {
            return loadA < loadB ? endpoints.get(a) : endpoints.get(b);
        }
        // A tie (idle endpoints, the common case at light load) goes by weight too, so that light traffic is
        // shared in proportion to the weights rather than evenly.
        return endpoints.get(random.nextInt(turns.weights[a] + turns.weights[b]) < turns.weights[a] ? a : b);
    }

    @Override
    public String toString() {
        return "weighted least-request";
    }
}
