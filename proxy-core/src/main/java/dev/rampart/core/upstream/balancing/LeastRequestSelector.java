package dev.rampart.core.upstream.balancing;

import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Least-request by the power of two choices (Envoy's default for {@code LEAST_REQUEST}): draw two
 * distinct eligible endpoints uniformly at random and take the one with fewer requests in flight,
 * a random one on a tie. With one or two eligible endpoints that is simply the least loaded.
 *
 * <p>Why two random choices rather than the global minimum: every proxy thread reading the same
 * minimum sends its next burst to the same endpoint (herding); two random choices avoid that and
 * still cut the maximum load exponentially compared with random.
 *
 * <p>The pair is drawn in O(1) when both draws are eligible, the normal case. Otherwise one pass of
 * reservoir sampling picks a uniform pair among the eligible ones; the combination is still uniform
 * over eligible pairs (the fast path favours no pair, the fallback covers the rest evenly).
 */
final class LeastRequestSelector implements EndpointSelector {

    private final Randomness randomness;

    LeastRequestSelector(Randomness randomness) {
        this.randomness = randomness;
    }

    @Override
    public <E extends LoadAware> E select(List<E> endpoints, Predicate<? super E> eligible) {
        int n = endpoints.size();
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            E only = endpoints.get(0);
            return eligible.test(only) ? only : null;
        }
        RandomGenerator random = randomness.get();
        int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        E a = endpoints.get(i);
        E b = endpoints.get(j);
        if (eligible.test(a) && eligible.test(b)) {
            return lessLoaded(a, b, random);
        }
        // Reservoir of size two over the eligible endpoints.
        a = null;
        b = null;
        int seen = 0;
        for (int k = 0; k < n; k++) {
            E endpoint = endpoints.get(k);
            if (!eligible.test(endpoint)) {
                continue;
            }
            seen++;
            if (seen == 1) {
                a = endpoint;
            } else if (seen == 2) {
                b = endpoint;
            } else {
                int slot = random.nextInt(seen);
                if (slot == 0) {
                    a = endpoint;
                } else if (slot == 1) {
                    b = endpoint;
                }
            }
        }
        return b == null ? a : lessLoaded(a, b, random);
    }

    private static <E extends LoadAware> E lessLoaded(E a, E b, RandomGenerator random) {
        int la = a.inFlight();
        int lb = b.inFlight();
        if (la != lb) {
            return la < lb ? a : b;
        }
        return random.nextBoolean() ? a : b;
    }

    @Override
    public String toString() {
        return "least-request";
    }
}
