package dev.rampart.core.upstream.balancing;

import java.util.ArrayList;
import java.util.List;

/** An endpoint with a settable load and an id that doubles as its index. */
final class TestEndpoint implements LoadAware {

    final int id;
    int inFlight;
    boolean eligible = true;

    TestEndpoint(int id, int inFlight) {
        this.id = id;
        this.inFlight = inFlight;
    }

    static List<TestEndpoint> withLoads(int... loads) {
        List<TestEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < loads.length; i++) {
            endpoints.add(new TestEndpoint(i, loads[i]));
        }
        return List.copyOf(endpoints);
    }

    static List<TestEndpoint> count(int n) {
        return withLoads(new int[n]);
    }

    /** How often each endpoint was chosen in {@code picks} selections (index n counts null results). */
    static int[] tally(EndpointSelector selector, List<TestEndpoint> endpoints, int picks) {
        int[] counts = new int[endpoints.size() + 1];
        for (int i = 0; i < picks; i++) {
            TestEndpoint chosen = selector.select(endpoints, e -> e.eligible);
            counts[chosen == null ? endpoints.size() : chosen.id]++;
        }
        return counts;
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public String toString() {
        return "endpoint" + id;
    }
}
