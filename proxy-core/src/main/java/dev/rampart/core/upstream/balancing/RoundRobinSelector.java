package dev.rampart.core.upstream.balancing;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Round-robin over the eligible endpoints.
 *
 * <p>Fairness when some endpoints are skipped: a naive "next eligible after the cursor" sends an
 * ineligible endpoint's turn to its successor, which then gets double traffic exactly when the upstream
 * is already degraded. Here, after skipping {@code k} endpoints, the pick moves the shared cursor past
 * the chosen one (one compare-and-set, abandoned if another thread moved the cursor meanwhile), so the
 * eligible endpoints keep equal shares. The cursor starts at a random position so that proxies started
 * or reloaded together do not all send their first requests to the first endpoint (as Envoy does).
 *
 * <p>With weights, the cycle is that of {@link WeightedTurns}: each endpoint takes as many turns in it as its
 * weight, spread out, and the same skipping rule spreads an ineligible endpoint's turns over the others.
 */
final class RoundRobinSelector implements EndpointSelector {

    /** The cycle of endpoint indices when the endpoints have weights; null: each endpoint once, in order. */
    private final WeightedTurns turns;
    private final AtomicLong cursor;
    /**
     * The rotation of retries, apart from that of first attempts. A retry that took a turn of the first
     * attempts' rotation moved it twice per failing request (with two endpoints, every request then started
     * on the failing one); one that took no turn at all went to the failing endpoint's fixed successor, which
     * then took every retry on top of its share.
     */
    private final AtomicLong retryCursor;

    RoundRobinSelector(Randomness random) {
        this(random, null);
    }

    RoundRobinSelector(Randomness random, WeightedTurns turns) {
        this.turns = turns;
        // A long never wraps in practice, so the sequence modulo n has no seam.
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
        if (endpoints.isEmpty() || turns != null && !anyEligible(endpoints, eligible)) {
            // A weighted cycle is longer than the list: when nothing is eligible, one pass over the list says so
            // sooner than a scan of the whole cycle (every pick while all breakers are open would pay for it).
            return null;
        }
        int n = turns == null ? endpoints.size() : turns.order.length;
        long turn = cursor.getAndIncrement();
        int start = (int) Math.floorMod(turn, (long) n);
        for (int skipped = 0; skipped < n; skipped++) {
            int i = start + skipped;
            if (i >= n) {
                i -= n;
            }
            E endpoint = endpoints.get(turns == null ? i : turns.order[i]);
            if (eligible.test(endpoint)) {
                if (skipped > 0) {
                    cursor.compareAndSet(turn + 1, turn + 1 + skipped);
                }
                return endpoint;
            }
        }
        // No endpoint took the turn: give it back, unless another pick moved on meanwhile. Kept, it would
        // shift the rotation by one for every such miss: a retry that finds every endpoint tried picks
        // again without that filter, and with two endpoints the double step landed on the one just tried.
        cursor.compareAndSet(turn + 1, turn);
        return null;
    }

    static <E extends LoadAware> boolean anyEligible(List<E> endpoints, Predicate<? super E> eligible) {
        for (int i = 0; i < endpoints.size(); i++) {
            if (eligible.test(endpoints.get(i))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return turns == null ? "round-robin" : "weighted round-robin";
    }
}
