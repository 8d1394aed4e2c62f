package dev.rampart.core.upstream.balancing;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Round-robin in which each endpoint takes as many turns per cycle as its weight, interleaved
 * ({@link WeightedTurns}). As {@link RoundRobinSelector}: one cursor for first attempts and one for retries,
 * starting at random positions, and a pick that skipped ineligible turns moves the cursor past the one it took,
 * so the skipped endpoint's turns are spread over the others instead of falling to the next one in the cycle.
 */
final class WeightedRoundRobinSelector implements EndpointSelector {

    private final WeightedTurns turns;
    private final AtomicLong cursor;
    private final AtomicLong retryCursor;

    WeightedRoundRobinSelector(WeightedTurns turns, Randomness random) {
        this.turns = turns;
        this.cursor = new AtomicLong(random.get().nextInt(1 << 16));
        this.retryCursor = new AtomicLong(random.get().nextInt(1 << 16));
    }

    @Override
    public <E extends LoadAware> E select(List<E> endpoints, Predicate<? super E> eligible) {
        return select(cursor, endpoints, eligible);
    }

    @Override
    public <E extends LoadAware> E selectForRetry(List<E> endpoints, Predicate<? super E> eligible) {
        return select(retryCursor, endpoints, eligible);
    }

    private <E extends LoadAware> E select(AtomicLong cursor, List<E> endpoints, Predicate<? super E> eligible) {
        if (!anyEligible(endpoints, eligible)) {
            return null; // no turn is taken: the rotation stays where it is
        }
        int[] order = turns.order;
        int n = order.length;
        long turn = cursor.getAndIncrement();
        int start = (int) Math.floorMod(turn, (long) n);
        for (int skipped = 0; skipped < n; skipped++) {
            int i = start + skipped;
            if (i >= n) {
                i -= n;
            }
            E endpoint = endpoints.get(order[i]);
            if (eligible.test(endpoint)) {
                if (skipped > 0) {
                    cursor.compareAndSet(turn + 1, turn + 1 + skipped);
                }
                return endpoint;
            }
        }
        return null; // eligibility changed under the scan (a breaker opened on another loop)
    }

    private static <E extends LoadAware> boolean anyEligible(List<E> endpoints, Predicate<? super E> eligible) {
        for (int i = 0; i < endpoints.size(); i++) {
            if (eligible.test(endpoints.get(i))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "weighted round-robin";
    }
}
