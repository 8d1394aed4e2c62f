package dev.rampart.core.upstream.balancing;

import dev.rampart.core.config.LoadBalancing;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Endpoints with weights: each policy gives an endpoint its weight's share, and only eligible ones. */
class WeightedSelectorsTest {

    private static final int PICKS = 70_000;

    private static EndpointSelector selector(LoadBalancing policy, int... weights) {
        List<String> addresses = IntStream.range(0, weights.length).mapToObj(i -> "10.0.0." + (i + 1) + ":80").toList();
        return EndpointSelectors.forEndpoints(policy, addresses, weights, new SplittableRandom(7));
    }

    private static void assertShare(double expected, int count, int picks) {
        double share = count / (double) picks;
        assertTrue(Math.abs(share - expected) < 0.015, "share " + share + ", expected about " + expected);
    }

    @Test
    void turnsAreSpreadThroughTheCycleAndReducedByTheCommonDivisor() {
        assertArrayEquals(new int[] {0, 0, 0, 1, 2, 0, 0}, new WeightedTurns(new int[] {5, 1, 1}).order);
        WeightedTurns reduced = new WeightedTurns(new int[] {4, 2});
        assertArrayEquals(new int[] {2, 1}, reduced.weights);
        assertArrayEquals(new int[] {0, 1, 0}, reduced.order);
        assertThrows(IllegalArgumentException.class, () -> new WeightedTurns(new int[] {1, 0}));
    }

    @Test
    void equalWeightsAreTheUnweightedPolicy() {
        assertEquals("round-robin", EndpointSelectors.weighted(LoadBalancing.ROUND_ROBIN, new int[] {3, 3}, null)
                .toString());
        assertEquals("weighted round-robin", selector(LoadBalancing.ROUND_ROBIN, 3, 1).toString());
    }

    @Test
    void roundRobinGivesEachEndpointExactlyItsWeightPerCycle() {
        int[] counts = TestEndpoint.tally(selector(LoadBalancing.ROUND_ROBIN, 5, 1, 1), TestEndpoint.count(3), 700);
        assertArrayEquals(new int[] {500, 100, 100, 0}, counts);
    }

    @Test
    void roundRobinSpreadsAnIneligibleEndpointsTurnsOverTheOthers() {
        List<TestEndpoint> endpoints = TestEndpoint.count(3);
        endpoints.get(0).eligible = false;
        int[] counts = TestEndpoint.tally(selector(LoadBalancing.ROUND_ROBIN, 5, 1, 1), endpoints, 7_000);
        assertEquals(0, counts[0]);
        assertEquals(0, counts[3]);
        assertShare(0.5, counts[1], 7_000);
    }

    @Test
    void roundRobinRetriesTakeTurnsOfTheirOwn() {
        EndpointSelector selector = selector(LoadBalancing.ROUND_ROBIN, 2, 1);
        List<TestEndpoint> endpoints = TestEndpoint.count(2);
        TestEndpoint[] firsts = new TestEndpoint[3];
        for (int i = 0; i < 3; i++) {
            firsts[i] = selector.select(endpoints, e -> true);
            selector.selectForRetry(endpoints, e -> true);
            selector.selectForRetry(endpoints, e -> true);
        }
        int heavy = 0;
        for (TestEndpoint first : firsts) {
            heavy += first.id == 0 ? 1 : 0;
        }
        assertEquals(2, heavy, "the first attempts keep their 2:1 cycle whatever the retries do");
    }

    @Test
    void randomGivesEachEndpointItsWeightsShare() {
        int[] counts = TestEndpoint.tally(selector(LoadBalancing.RANDOM, 6, 3, 1), TestEndpoint.count(3), PICKS);
        assertShare(0.6, counts[0], PICKS);
        assertShare(0.3, counts[1], PICKS);
        assertShare(0.1, counts[2], PICKS);
    }

    @Test
    void randomKeepsTheProportionsOfTheEligibleOnes() {
        List<TestEndpoint> endpoints = TestEndpoint.count(3);
        endpoints.get(0).eligible = false;
        int[] counts = TestEndpoint.tally(selector(LoadBalancing.RANDOM, 6, 3, 1), endpoints, PICKS);
        assertEquals(0, counts[0]);
        assertShare(0.75, counts[1], PICKS);
        assertShare(0.25, counts[2], PICKS);
    }

    @Test
    void leastRequestComparesLoadPerUnitOfWeight() {
        EndpointSelector selector = selector(LoadBalancing.LEAST_REQUEST, 3, 1);
        List<TestEndpoint> endpoints = TestEndpoint.withLoads(5, 2);
        // 5 in flight on weight 3 is less than 2 on weight 1 per unit of weight.
        for (int i = 0; i < 100; i++) {
            assertSame(endpoints.get(0), selector.select(endpoints, e -> true));
        }
        List<TestEndpoint> busier = TestEndpoint.withLoads(7, 2);
        for (int i = 0; i < 100; i++) {
            assertSame(busier.get(1), selector.select(busier, e -> true));
        }
    }

    @Test
    void leastRequestSharesIdleTrafficInProportionToTheWeights() {
        // Three endpoints and more are where weighing the pair and its tie both would count the weights twice.
        int[] counts = TestEndpoint.tally(selector(LoadBalancing.LEAST_REQUEST, 5, 1, 1), TestEndpoint.count(3), PICKS);
        assertShare(5 / 7.0, counts[0], PICKS);
        assertShare(1 / 7.0, counts[1], PICKS);
        int[] canary = TestEndpoint.tally(selector(LoadBalancing.LEAST_REQUEST, 2, 2, 2, 1), TestEndpoint.count(4), PICKS);
        assertShare(1 / 7.0, canary[3], PICKS);
        int[] tiny = TestEndpoint.tally(selector(LoadBalancing.LEAST_REQUEST, 1, 1, 98), TestEndpoint.count(3), PICKS);
        assertShare(0.01, tiny[0], PICKS);
    }

    @Test
    void leastRequestKeepsTheProportionsOfTheEligibleOnesWhenIdle() {
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        endpoints.get(0).eligible = false;
        int[] counts = TestEndpoint.tally(selector(LoadBalancing.LEAST_REQUEST, 2, 2, 2, 1), endpoints, PICKS);
        assertEquals(0, counts[0]);
        assertShare(0.2, counts[3], PICKS);
    }

    @Test
    void leastRequestFallsBackToTheEligibleOnes() {
        EndpointSelector selector = selector(LoadBalancing.LEAST_REQUEST, 5, 1, 1);
        List<TestEndpoint> endpoints = TestEndpoint.withLoads(0, 4, 1);
        endpoints.get(0).eligible = false;
        for (int i = 0; i < 100; i++) {
            assertSame(endpoints.get(2), selector.select(endpoints, e -> e.eligible));
        }
        endpoints.get(2).eligible = false;
        assertSame(endpoints.get(1), selector.select(endpoints, e -> e.eligible));
    }

    @Test
    void noneEligibleGivesNullUnderEveryPolicy() {
        for (LoadBalancing policy : LoadBalancing.values()) {
            assertNull(selector(policy, 2, 1).select(TestEndpoint.count(2), e -> false), policy.configName());
        }
    }

    /** Endpoint 0 the only eligible one: a first draw that misses it must fall back to it, never to none. */
    @Test
    void theFirstEndpointAloneEligibleIsTakenByTheWeightedPolicies() {
        for (LoadBalancing policy : List.of(LoadBalancing.RANDOM, LoadBalancing.LEAST_REQUEST)) {
            EndpointSelector selector = EndpointSelectors.weighted(policy, new int[] {1, 3, 2}, new java.util.Random(7));
            List<TestEndpoint> endpoints = TestEndpoint.count(3);
            endpoints.get(1).eligible = false;
            endpoints.get(2).eligible = false;
            for (int i = 0; i < 200; i++) {
                assertSame(endpoints.get(0), selector.select(endpoints, e -> e.eligible), policy + " pick " + i);
            }
        }
    }
}
