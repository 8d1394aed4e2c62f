package dev.rampart.core.upstream.balancing;

import dev.rampart.core.config.LoadBalancing;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomSelectorTest {

    private static final int PICKS = 30_000;

    private final EndpointSelector selector = EndpointSelectors.of(LoadBalancing.RANDOM, new SplittableRandom(3));

    @Test
    void everyEndpointGetsAnEvenShare() {
        int[] counts = TestEndpoint.tally(selector, TestEndpoint.count(5), PICKS);
        for (int i = 0; i < 5; i++) {
            assertNear(0.2, counts[i]);
        }
    }

    @Test
    void ineligibleEndpointsAreNeverChosenAndTheirShareIsSpreadEvenly() {
        List<TestEndpoint> endpoints = TestEndpoint.count(5);
        endpoints.get(1).eligible = false;
        endpoints.get(2).eligible = false;
        int[] counts = TestEndpoint.tally(selector, endpoints, PICKS);
        assertEquals(0, counts[1]);
        assertEquals(0, counts[2]);
        // Not "the next eligible one": endpoint 3 must not inherit 1's and 2's shares.
        assertNear(1 / 3.0, counts[0]);
        assertNear(1 / 3.0, counts[3]);
        assertNear(1 / 3.0, counts[4]);
    }

    @Test
    void noneEligibleOrNoEndpointsGivesNull() {
        assertNull(selector.select(TestEndpoint.count(4), e -> false));
        assertNull(selector.select(TestEndpoint.count(1), e -> false));
        assertNull(selector.select(List.<TestEndpoint>of(), e -> true));
    }

    @Test
    void aSingleEligibleEndpointIsAlwaysChosen() {
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        for (int i = 0; i < 100; i++) {
            assertEquals(endpoints.get(2), selector.select(endpoints, e -> e.id == 2));
        }
    }

    private static void assertNear(double expectedShare, int count) {
        double share = (double) count / PICKS;
        assertTrue(Math.abs(share - expectedShare) < 0.02, "share " + share + ", expected about " + expectedShare);
    }
}
