package dev.rampart.core.upstream.balancing;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * A hash ring of the endpoints (Karger's consistent hashing, as nginx's {@code hash ... consistent} and Envoy's
 * ring hash): each endpoint owns {@value #POINTS_PER_WEIGHT} points per unit of weight, placed by the hash of
 * its address and the point's number, and a key goes to the owner of the first point at or after its hash.
 * Adding or removing an endpoint thus moves only the keys that fall on its points, and every proxy with the
 * same endpoints places every key the same way, restarts and reloads included.
 *
 * <p>An endpoint that may not take the attempt (breaker open, failing its health check, already tried by a
 * retry) passes its keys on to the next owner along the ring, and gets them back once it may again. With a balance
 * factor (consistent hashing with bounded loads, as HAProxy's {@code hash-balance-factor} and Envoy's
 * {@code hash_balance_factor}), so does one that has that many percent of its average share of the attempts in
 * flight: a hot key spills over to the next endpoints rather than piling on one. A request without a key is placed
 * as round-robin (weighted when the weights differ) would place it.
 */
final class ConsistentHashSelector implements EndpointSelector {

    /**
     * Points per unit of weight: nginx's figure. Endpoints' shares of the keys then differ from an even split by up
     * to about a tenth; more points would narrow that at the cost of memory and of the walk past a missing endpoint.
     */
    static final int POINTS_PER_WEIGHT = 160;
    /**
     * The most points a ring has (about 2 MB): beyond it, fewer points per unit of weight. An endpoint's points
     * with fewer per weight are a prefix of those with more, so such a change keeps most keys in place.
     */
    static final int MAX_POINTS = POINTS_PER_WEIGHT * 1024;

    /** Point hashes in ascending order; {@code owners[i]} is the index of the endpoint that owns point i. */
    private final long[] points;
    private final int[] owners;
    private final int endpointCount;
    private final EndpointSelector keyless;
    /** Percent of its average load an endpoint may have before its keys go on; 0 for no bound. */
    private final int balanceFactor;
    /** Each endpoint's weight, by index: its share of the load among those that may take it. */
    private final int[] weights;

    /**
     * @param identities each endpoint's address, by index, as every selection will list the endpoints
     * @param weights    each endpoint's weight, by index
     */
    ConsistentHashSelector(List<String> identities, int[] weights, int balanceFactor, EndpointSelector keyless) {
        if (identities.isEmpty() || identities.size() != weights.length) {
            throw new IllegalArgumentException(identities.size() + " endpoints, " + weights.length + " weights");
        }
        this.endpointCount = weights.length;
        this.keyless = keyless;
        this.balanceFactor = balanceFactor;
        long totalWeight = Arrays.stream(weights).asLongStream().sum();
        this.weights = weights.clone();
        int perWeight = (int) Math.max(1, Math.min(POINTS_PER_WEIGHT, MAX_POINTS / totalWeight));
        int size = Math.toIntExact(totalWeight * perWeight);
        long[] hashes = new long[size];
        int[] owner = new int[size];
        int k = 0;
        for (int e = 0; e < weights.length; e++) {
            for (int j = 0; j < weights[e] * perWeight; j++) {
                hashes[k] = KeyHash.of(identities.get(e) + "#" + j);
                owner[k++] = e;
            }
        }
        // Equal hashes (rare) are ordered by endpoint, so that every proxy builds the same ring.
        Integer[] order = new Integer[size];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> hashes[a] != hashes[b] ? Long.compare(hashes[a], hashes[b])
                : Integer.compare(owner[a], owner[b]));
        this.points = new long[size];
        this.owners = new int[size];
        for (int i = 0; i < size; i++) {
            points[i] = hashes[order[i]];
            owners[i] = owner[order[i]];
        }
    }

    @Override
    public <E extends LoadAware> E select(List<E> endpoints, Predicate<? super E> eligible) {
        return keyless.select(endpoints, eligible);
    }

    @Override
    public <E extends LoadAware> E selectForRetry(List<E> endpoints, Predicate<? super E> eligible) {
        return keyless.selectForRetry(endpoints, eligible);
    }

    @Override
    public <E extends LoadAware> E selectByKey(List<E> endpoints, Predicate<? super E> eligible, long keyHash) {
        if (endpoints.size() != endpointCount) {
            throw new IllegalArgumentException(endpoints.size() + " endpoints for a ring of " + endpointCount);
        }
        if (!RoundRobinSelector.anyEligible(endpoints, eligible)) {
            return null; // without this, a miss would walk the whole ring
        }
        int start = Arrays.binarySearch(points, keyHash);
        if (start < 0) {
            start = -start - 1; // the first point above the key
        }
        if (balanceFactor != 0) {
            // The average is over the endpoints that may take the attempt (HAProxy's active servers, Envoy's
            // healthy hosts): a backup, or an endpoint left out, carries none of the load it would spread.
            long total = 1; // this attempt
            long weight = 0;
            for (int i = 0; i < endpoints.size(); i++) {
                E endpoint = endpoints.get(i);
                if (eligible.test(endpoint)) {
                    total += endpoint.inFlight();
                    weight += weights[i];
                }
            }
            E withRoom = walk(endpoints, start, eligible, (double) balanceFactor / 100 * total / weight);
            if (withRoom != null) {
                return withRoom;
            }
            // Every eligible endpoint is at its bound (the others' share of the load can leave none with room):
            // the key's own endpoint, as without a bound.
        }
        return walk(endpoints, start, eligible, 0);
    }

    /**
     * The first endpoint along the ring from point {@code start} that is eligible and, when {@code boundPerWeight}
     * is not 0, has room: fewer attempts in flight than that bound times its weight, rounded up (so that a quiet
     * upstream bounds nothing). Null for none.
     */
    private <E extends LoadAware> E walk(List<E> endpoints, int start, Predicate<? super E> eligible,
                                         double boundPerWeight) {
        // The first 64 endpoints found ineligible are remembered, so that a run of their points costs no tests.
        long refused = 0;
        for (int step = 0; step < points.length; step++) {
            int p = start + step;
            if (p >= points.length) {
                p -= points.length;
            }
            int e = owners[p];
            if (e < Long.SIZE && (refused & (1L << e)) != 0) {
                continue;
            }
            E endpoint = endpoints.get(e);
            if (eligible.test(endpoint)
                    && (boundPerWeight == 0 || endpoint.inFlight() < Math.ceil(boundPerWeight * weights[e]))) {
                return endpoint;
            }
            if (e < Long.SIZE) {
                refused |= 1L << e;
            }
        }
        return null; // eligibility changed during the walk
    }

    /** The number of points on the ring, for tests. */
    int size() {
        return points.length;
    }

    @Override
    public String toString() {
        return "consistent-hash";
    }
}
