package dev.rampart.core.upstream.balancing;

import dev.rampart.core.config.LoadBalancing;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertSame;

class LeastRequestSelectorTest {

    private static final int PICKS = 20_000;

    private final EndpointSelector selector = EndpointSelectors.of(LoadBalancing.LEAST_REQUEST, new SplittableRandom(42));

    @Test
    void ofTwoEndpointsTheLessLoadedIsAlwaysChosen() {
        List<TestEndpoint> endpoints = TestEndpoint.withLoads(5, 1);
        assertEquals(PICKS, TestEndpoint.tally(selector, endpoints, PICKS)[1]);
        endpoints.get(0).inFlight = 0;
        assertEquals(PICKS, TestEndpoint.tally(selector, endpoints, PICKS)[0], "the load is read at each pick");
    }

    @Test
    void powerOfTwoChoicesFavoursLowerLoadAndNeverPicksTheMostLoaded() {
        int[] counts = TestEndpoint.tally(selector, TestEndpoint.withLoads(0, 10, 20, 30, 40), PICKS);
        // Endpoint k wins every random pair with a more loaded one: 4, 3, 2, 1 and 0 of the 10 pairs.
        assertEquals(0, counts[4]);
        assertNear(0.4, counts[0]);
        assertNear(0.3, counts[1]);
        assertNear(0.2, counts[2]);
        assertNear(0.1, counts[3]);
    }

    @Test
    void withTwoEligibleTheLessLoadedOfThemIsChosen() {
        List<TestEndpoint> endpoints = TestEndpoint.withLoads(0, 0, 0, 9, 2);
        endpoints.get(0).eligible = false;
        endpoints.get(1).eligible = false;
        endpoints.get(2).eligible = false;
        assertEquals(PICKS, TestEndpoint.tally(selector, endpoints, PICKS)[4]);
    }

    @Test
    void withOneEligibleThatOneIsChosen() {
        List<TestEndpoint> endpoints = TestEndpoint.withLoads(0, 0, 100);
        endpoints.get(0).eligible = false;
        endpoints.get(1).eligible = false;
        assertEquals(PICKS, TestEndpoint.tally(selector, endpoints, PICKS)[2]);
    }

    @Test
    void tiesAreBrokenAtRandom() {
        int[] counts = TestEndpoint.tally(selector, TestEndpoint.withLoads(3, 3), PICKS);
        assertNear(0.5, counts[0]);
        assertNear(0.5, counts[1]);
    }

    @Test
    void ineligibleEndpointsAreNeverChosenAndTheRestShareEvenly() {
        List<TestEndpoint> endpoints = TestEndpoint.withLoads(0, 0, 0, 0, 0, 0);
        endpoints.get(0).eligible = false;
        endpoints.get(3).eligible = false;
        int[] counts = TestEndpoint.tally(selector, endpoints, PICKS);
        assertEquals(0, counts[0]);
        assertEquals(0, counts[3]);
        for (int i : new int[] {1, 2, 4, 5}) {
            assertNear(0.25, counts[i]);
        }
    }

    @Test
    void noneEligibleOrNoEndpointsGivesNull() {
        assertNull(selector.select(TestEndpoint.withLoads(1, 2, 3), e -> false));
        assertNull(selector.select(TestEndpoint.withLoads(1), e -> false));
        assertNull(selector.select(List.<TestEndpoint>of(), e -> true));
    }

    private static void assertNear(double expectedShare, int count) {
        double share = (double) count / PICKS;
        assertTrue(Math.abs(share - expectedShare) < 0.03, "share " + share + ", expected about " + expectedShare);
    }

    @Test
    void aLoneEligibleEndpointIsTakenAndNoneWhenItIsNotEligible() {
        List<TestEndpoint> one = TestEndpoint.count(1);
        assertSame(one.get(0), selector.select(one, e -> e.eligible));
        one.get(0).eligible = false;
        assertNull(selector.select(one, e -> e.eligible));
    }
}
