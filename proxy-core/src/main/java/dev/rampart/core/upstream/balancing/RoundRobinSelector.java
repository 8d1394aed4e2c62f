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
 */
final class RoundRobinSelector implements EndpointSelector {

    private final AtomicLong cursor;
    /**
     * The rotation of retries, apart from that of first attempts. A retry that took a turn of the first
     * attempts' rotation moved it twice per failing request (with two endpoints, every request then started
     * on the failing one); one that took no turn at all went to the failing endpoint's fixed successor, which
     * then took every retry on top of its share.
     */
    private final AtomicLong retryCursor;

    RoundRobinSelector(Randomness random) {
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

    private static <E extends LoadAware> E select(AtomicLong cursor, List<E> endpoints, Predicate<? super E> eligible) {
        int n = endpoints.size();
        if (n == 0) {
            return null;
        }
        long turn = cursor.getAndIncrement();
        int start = (int) Math.floorMod(turn, (long) n);
        for (int skipped = 0; skipped < n; skipped++) {
            int i = start + skipped;
            if (i >= n) {
                i -= n;
            }
            E endpoint = endpoints.get(i);
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

    @Override
    public String toString() {
        return "round-robin";
    }
}
