package dev.rampart.core.upstream.balancing;

import dev.rampart.core.config.LoadBalancing;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundRobinSelectorTest {

    private final EndpointSelector selector = EndpointSelectors.of(LoadBalancing.ROUND_ROBIN, new SplittableRandom(7));

    @Test
    void visitsEndpointsInTurnWithEqualShares() {
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        int previous = selector.select(endpoints, e -> true).id;
        for (int i = 0; i < 20; i++) {
            int next = selector.select(endpoints, e -> true).id;
            assertEquals((previous + 1) % 4, next);
            previous = next;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 0}, TestEndpoint.tally(selector, endpoints, 4000));
    }

    @Test
    void skippedEndpointsTurnIsNotHandedToItsNeighbour() {
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        endpoints.get(1).eligible = false;
        // A naive "next eligible" would give endpoint 2 twice endpoint 0's and 3's share.
        assertArrayEquals(new int[] {1000, 0, 1000, 1000, 0}, TestEndpoint.tally(selector, endpoints, 3000));
    }

    @Test
    void sharesStayEqualWithSeveralAdjacentIneligibleEndpoints() {
        List<TestEndpoint> endpoints = TestEndpoint.count(6);
        endpoints.get(2).eligible = false;
        endpoints.get(3).eligible = false;
        endpoints.get(4).eligible = false;
        assertArrayEquals(new int[] {900, 900, 0, 0, 0, 900, 0}, TestEndpoint.tally(selector, endpoints, 2700));
    }

    /** Retries from a failing endpoint spread over the others, and first attempts keep their own rotation. */
    @Test
    void retriesTakeTurnsInARotationOfTheirOwn() {
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        TestEndpoint failing = endpoints.get(3);
        int[] firsts = new int[4];
        int[] retries = new int[4];
        for (int request = 0; request < 400; request++) {
            TestEndpoint first = selector.select(endpoints, e -> true);
            firsts[first.id]++;
            if (first == failing) {
                retries[selector.selectForRetry(endpoints, e -> e != failing).id]++;
            }
        }
        assertArrayEquals(new int[] {100, 100, 100, 100}, firsts, "first attempts keep their rotation");
        assertEquals(0, retries[3]);
        int most = Math.max(retries[0], Math.max(retries[1], retries[2]));
        int least = Math.min(retries[0], Math.min(retries[1], retries[2]));
        assertTrue(most - least <= 1, "retries spread evenly, not onto the failing endpoint's successor: "
                + java.util.Arrays.toString(retries));
        assertNull(selector.selectForRetry(endpoints, e -> false));
    }

    @Test
    void aRetryThatExcludesTheTriedEndpointGetsAnotherOne() {
        List<TestEndpoint> endpoints = TestEndpoint.count(3);
        for (int i = 0; i < 30; i++) {
            TestEndpoint first = selector.select(endpoints, e -> true);
            TestEndpoint retry = selector.select(endpoints, e -> e != first);
            assertNotEquals(first, retry);
        }
    }

    @Test
    void noneEligibleOrNoEndpointsGivesNull() {
        List<TestEndpoint> endpoints = TestEndpoint.count(3);
        assertNull(selector.select(endpoints, e -> false));
        assertNull(selector.select(List.<TestEndpoint>of(), e -> true));
        assertEquals(endpoints.get(2), selector.select(endpoints, e -> e.id == 2), "still works afterwards");
    }

    @Test
    void aPickThatFindsNoEndpointEligibleLeavesTheTurnsAsTheyWere() {
        List<TestEndpoint> endpoints = TestEndpoint.count(2);
        int previous = selector.select(endpoints, e -> true).id;
        for (int i = 0; i < 10; i++) {
            assertNull(selector.select(endpoints, e -> false)); // a retry's first pass, every endpoint tried
            int next = selector.select(endpoints, e -> true).id;
            assertEquals((previous + 1) % 2, next, "the miss took no turn: with two endpoints it landed on the same");
            previous = next;
        }
    }

    @Test
    void startingPointComesFromTheRandomSource() {
        List<TestEndpoint> endpoints = TestEndpoint.count(5);
        int[] firsts = new int[5];
        for (int seed = 0; seed < 50; seed++) {
            EndpointSelector fresh = EndpointSelectors.of(LoadBalancing.ROUND_ROBIN, new SplittableRandom(seed));
            firsts[fresh.select(endpoints, e -> true).id]++;
        }
        for (int count : firsts) {
            assertNotEquals(0, count, "every endpoint should be some selector's first pick");
        }
    }

    @Test
    void concurrentPicksStillGiveExactlyEqualShares() throws Exception {
        EndpointSelector shared = EndpointSelectors.of(LoadBalancing.ROUND_ROBIN);
        List<TestEndpoint> endpoints = TestEndpoint.count(3);
        AtomicIntegerArray counts = new AtomicIntegerArray(3);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> tasks = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                tasks.add(pool.submit(() -> {
                    for (int i = 0; i < 30_000; i++) {
                        counts.incrementAndGet(shared.select(endpoints, e -> true).id);
                    }
                }));
            }
            for (Future<?> task : tasks) {
                task.get();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(40_000, counts.get(i));
        }
    }
}
