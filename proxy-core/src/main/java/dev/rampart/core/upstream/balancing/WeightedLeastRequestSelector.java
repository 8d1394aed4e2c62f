package dev.rampart.core.upstream.balancing;

import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Least-request by two choices with weights: two distinct endpoints are drawn, each in proportion to its
 * weight, and the one with fewer requests in flight per unit of weight takes the attempt (on a tie, the
 * first one drawn). So an endpoint of weight 3 is both drawn more often and trusted with three
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
        // The first endpoint: one draw by weight, or, when it lands on one that is not eligible, a weighted draw
        // among those that are. Either way it is drawn in proportion to the weights of the eligible ones.
        int a = order[random.nextInt(order.length)];
        if (!eligible.test(endpoints.get(a))) {
            a = WeightedRandomSelector.drawEligible(endpoints, eligible, -1, turns.weights, random);
            if (a < 0) {
                return null;
            }
        }
        // The second: a few draws by weight, then (some are not eligible, or the draws keep landing on the
        // first) a weighted draw among the eligible ones other than the first.
        int b = -1;
        for (int draw = 0; draw < SECOND_DRAWS && b < 0; draw++) {
            int candidate = order[random.nextInt(order.length)];
            if (candidate != a && eligible.test(endpoints.get(candidate))) {
                b = candidate;
            }
        }
        if (b < 0) {
            b = WeightedRandomSelector.drawEligible(endpoints, eligible, a, turns.weights, random);
        }
        return b < 0 ? endpoints.get(a) : lessLoaded(endpoints, a, b);
    }

    /**
     * The endpoint with fewer requests in flight per unit of weight: a / wa against b / wb, multiplied out. A tie
     * (idle endpoints, the common case at light load) goes to {@code a}, the first one drawn: that draw was
     * already in proportion to the weights, so light traffic is shared in that proportion. Weighing the tie
     * again would count the weights twice and, with three endpoints or more, starve the light ones.
     */
    private <E extends LoadAware> E lessLoaded(List<E> endpoints, int a, int b) {
        long loadA = (long) endpoints.get(a).inFlight() * turns.weights[b];
        long loadB = (long) endpoints.get(b).inFlight() * turns.weights[a];
        return loadB < loadA ? endpoints.get(b) : endpoints.get(a);
    }

    @Override
    public String toString() {
        return "weighted least-request";
    }
}
