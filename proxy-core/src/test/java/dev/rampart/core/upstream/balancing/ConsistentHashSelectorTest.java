package dev.rampart.core.upstream.balancing;

import dev.rampart.core.config.LoadBalancing;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hash ring of {@code load-balancing = consistent-hash}: stickiness, spread, weights and what moves. */
class ConsistentHashSelectorTest {

    private static final int KEYS = 20_000;

    private static List<String> addresses(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> "10.0.0." + i + ":8080").toList();
    }

    private static EndpointSelector ring(List<String> addresses, int... weights) {
        int[] w = weights.length > 0 ? weights : IntStream.range(0, addresses.size()).map(i -> 1).toArray();
        return EndpointSelectors.forEndpoints(LoadBalancing.CONSISTENT_HASH, addresses, w, new SplittableRandom(1));
    }

    /** The address each key lands on: a fleet's proxies and a restarted proxy must agree on it. */
    private static List<String> placement(EndpointSelector ring, List<String> addresses, List<TestEndpoint> endpoints) {
        List<String> placed = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            TestEndpoint chosen = ring.selectByKey(endpoints, e -> e.eligible, KeyHash.of("user-" + k));
            placed.add(chosen == null ? null : addresses.get(chosen.id));
        }
        return placed;
    }

    private static int[] shares(List<String> placed, List<String> addresses) {
        int[] counts = new int[addresses.size()];
        placed.forEach(address -> counts[addresses.indexOf(address)]++);
        return counts;
    }

    @Test
    void aKeyAlwaysGoesToTheSameEndpointAndTwoRingsOfTheSameEndpointsAgree() {
        List<String> addresses = addresses(5);
        List<TestEndpoint> endpoints = TestEndpoint.count(5);
        List<String> first = placement(ring(addresses), addresses, endpoints);
        assertEquals(first, placement(ring(addresses), addresses, endpoints), "another proxy, or after a restart");
        assertEquals(first, placement(ring(List.copyOf(addresses)), addresses, endpoints));
    }

    @Test
    void keysSpreadEvenlyAndWeightsSetTheShares() {
        List<String> addresses = addresses(4);
        int[] even = shares(placement(ring(addresses), addresses, TestEndpoint.count(4)), addresses);
        for (int count : even) {
            assertTrue(Math.abs(count - KEYS / 4) < KEYS / 4 * 0.2, "within 20 % of a quarter: " + List.of(even));
        }
        int[] weighted = shares(placement(ring(addresses, 3, 1, 1, 1), addresses, TestEndpoint.count(4)), addresses);
        assertTrue(Math.abs(weighted[0] - KEYS / 2) < KEYS / 2 * 0.1, "weight 3 of 6: half the keys, " + weighted[0]);
    }

    @Test
    void addingAnEndpointMovesOnlyTheKeysItTakesAndRemovingOneOnlyItsOwn() {
        List<String> four = addresses(4);
        List<String> five = addresses(5);
        List<String> before = placement(ring(four), four, TestEndpoint.count(4));
        List<String> after = placement(ring(five), five, TestEndpoint.count(5));
        int moved = 0;
        for (int k = 0; k < KEYS; k++) {
            if (!before.get(k).equals(after.get(k))) {
                moved++;
                assertEquals(five.get(4), after.get(k), "a key that moved, moved to the new endpoint");
            }
        }
        assertTrue(moved > KEYS / 5 * 0.7 && moved < KEYS / 5 * 1.3, "about a fifth of the keys moved: " + moved);
        // Back to four: exactly the keys of the removed endpoint move, each to where it was before.
        assertEquals(before, placement(ring(four), four, TestEndpoint.count(4)));
    }

    @Test
    void anIneligibleEndpointsKeysGoToTheNextOnTheRingAndComeBackTheOthersStay() {
        List<String> addresses = addresses(4);
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        EndpointSelector ring = ring(addresses);
        List<String> before = placement(ring, addresses, endpoints);
        endpoints.get(2).eligible = false;
        List<String> during = placement(ring, addresses, endpoints);
        for (int k = 0; k < KEYS; k++) {
            if (before.get(k).equals(addresses.get(2))) {
                assertNotEquals(addresses.get(2), during.get(k));
            } else {
                assertEquals(before.get(k), during.get(k), "keys of the other endpoints stay where they are");
            }
        }
        int[] spread = shares(during, addresses);
        assertTrue(spread[0] > KEYS / 4 && spread[1] > KEYS / 4 && spread[3] > KEYS / 4,
                "the ineligible endpoint's keys are spread over the others: " + List.of(spread));
        endpoints.get(2).eligible = true;
        assertEquals(before, placement(ring, addresses, endpoints));
    }

    @Test
    void aRetryThatExcludesWhatItTriedGoesOnAlongTheRing() {
        List<TestEndpoint> endpoints = TestEndpoint.count(3);
        EndpointSelector ring = ring(addresses(3));
        long key = KeyHash.of("session-42");
        TestEndpoint first = ring.selectByKey(endpoints, e -> true, key);
        TestEndpoint second = ring.selectByKey(endpoints, e -> e != first, key);
        TestEndpoint third = ring.selectByKey(endpoints, e -> e != first && e != second, key);
        assertNotNull(third);
        assertEquals(3, List.of(first.id, second.id, third.id).stream().distinct().count());
        assertEquals(second, ring.selectByKey(endpoints, e -> e != first, key), "the same second choice each time");
        assertNull(ring.selectByKey(endpoints, e -> false, key));
    }

    @Test
    void aRequestWithoutAKeyTakesTurnsAsWeightedRoundRobin() {
        EndpointSelector ring = ring(addresses(3), 2, 1, 1);
        int[] counts = TestEndpoint.tally(ring, TestEndpoint.count(3), 400);
        assertEquals(List.of(200, 100, 100, 0), List.of(counts[0], counts[1], counts[2], counts[3]));
        assertEquals("consistent-hash", ring.toString());
    }

    @Test
    void theRingIsBoundedAndNeedsTheAddresses() {
        List<String> many = IntStream.range(0, 2000).mapToObj(i -> "10.1." + i / 250 + "." + i % 250 + ":80").toList();
        int[] heavy = IntStream.range(0, 2000).map(i -> 256).toArray();
        ConsistentHashSelector big = (ConsistentHashSelector) EndpointSelectors.forEndpoints(
                LoadBalancing.CONSISTENT_HASH, many, heavy, null);
        assertTrue(big.size() <= 2000 * 256, "at most one point per unit of weight beyond the bound: " + big.size());
        assertEquals(160 * 4, ((ConsistentHashSelector) ring(addresses(4))).size());
        assertThrows(IllegalArgumentException.class, () -> EndpointSelectors.of(LoadBalancing.CONSISTENT_HASH));
    }

    @Test
    void theKeyHashIsFnv1aThenMurmursFinalizerSoItNeverChangesBetweenReleases() {
        // FNV-1a 64 of "a" is the published test vector 0xaf63dc4c8601ec8c; of "" the offset basis.
        assertEquals(KeyHash.mix(0xaf63dc4c8601ec8cL), KeyHash.of("a"));
        assertEquals(KeyHash.mix(0xcbf29ce484222325L), KeyHash.of(""));
        assertEquals(0, KeyHash.mix(0));
        assertNotEquals(KeyHash.of("ab"), KeyHash.of("ba"));
        // The whole hash pinned to numbers worked out apart from this code (FNV-1a 64 over the UTF-16 code units,
        // then MurmurHash3's fmix64, in Python): a change to mix() itself would move every key of a fleet.
        assertEquals(-9033471704281723301L, KeyHash.of("a"));
        assertEquals(-1166397803181037274L, KeyHash.of(""));
        assertEquals(-6659360640848290163L, KeyHash.of("user-42"));
        assertEquals(7289141939816522087L, KeyHash.of("10.0.0.1:8080#0"));
    }

    /** The walk remembers the first 64 endpoints it found ineligible by a bit each; the 65th has no bit. */
    @Test
    void pastSixtyFourEndpointsTheKeysOfAnIneligibleOneGoToTheNextOwnerAlongTheRing() {
        List<String> addresses = addresses(65);
        List<TestEndpoint> endpoints = TestEndpoint.count(65);
        endpoints.get(0).eligible = false;
        // The ring without endpoint 0 is the same ring less its points: where its keys must go.
        List<String> without = addresses.subList(1, 65);
        assertEquals(placement(ring(without), without, TestEndpoint.count(64)), placement(ring(addresses), addresses, endpoints));

        endpoints.forEach(e -> e.eligible = e.id == 64);
        long elsewhere = placement(ring(addresses), addresses, endpoints).stream()
                .filter(address -> !addresses.get(64).equals(address)).count();
        assertEquals(0, elsewhere, "the 65th alone eligible takes every key, whichever the walk refused before it");
    }

    @Test
    void withABalanceFactorAHotKeySpillsOverAlongTheRingOnceItsEndpointHasItsBound() {
        List<String> addresses = addresses(4);
        EndpointSelector bounded = EndpointSelectors.forEndpoints(LoadBalancing.CONSISTENT_HASH, addresses,
                new int[] {1, 1, 1, 1}, 150, new SplittableRandom(1));
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        long hot = KeyHash.of("user-hot");
        TestEndpoint home = bounded.selectByKey(endpoints, e -> e.eligible, hot);
        assertEquals(home, ring(addresses).selectByKey(endpoints, e -> e.eligible, hot), "a quiet upstream: no bound");
        // A hot key's requests, each held in flight: its endpoint takes them until it has 150 % of its average.
        for (int i = 0; i < 40; i++) {
            TestEndpoint chosen = bounded.selectByKey(endpoints, e -> e.eligible, hot);
            chosen.inFlight++;
        }
        int total = endpoints.stream().mapToInt(e -> e.inFlight).sum();
        assertEquals(40, total);
        assertTrue(home.inFlight <= Math.ceil(1.5 * total / 4.0), home.inFlight + " on the key's endpoint of " + total);
        assertTrue(home.inFlight >= 14, "it keeps its bound's worth: " + home.inFlight);
        TestEndpoint next = endpoints.stream().filter(e -> e != home).max(Comparator.comparingInt(e -> e.inFlight))
                .orElseThrow();
        assertTrue(next.inFlight >= 10, "the spill goes on along the ring: " + next.inFlight);

        endpoints.forEach(e -> e.inFlight = 0);
        assertEquals(home, bounded.selectByKey(endpoints, e -> e.eligible, hot), "the key goes home once it is quiet");
        List<TestEndpoint> unbounded = TestEndpoint.count(4);
        for (int i = 0; i < 40; i++) {
            ring(addresses).selectByKey(unbounded, e -> e.eligible, hot).inFlight++;
        }
        assertEquals(40, unbounded.get(home.id).inFlight, "without a factor, every request on the key's endpoint");
    }

    @Test
    void theBoundIsTheAverageOfTheEndpointsThatMayTakeTheAttemptNotOfThoseLeftOut() {
        List<String> addresses = addresses(4);
        EndpointSelector bounded = EndpointSelectors.forEndpoints(LoadBalancing.CONSISTENT_HASH, addresses,
                new int[] {1, 1, 3, 3}, 100, new SplittableRandom(1));
        List<TestEndpoint> endpoints = TestEndpoint.count(4);
        endpoints.get(2).eligible = false; // a backup, say, with most of the weight
        endpoints.get(3).eligible = false;
        long hot = KeyHash.of("user-hot");
        for (int i = 0; i < 40; i++) {
            bounded.selectByKey(endpoints, e -> e.eligible, hot).inFlight++;
        }
        assertEquals(List.of(20, 20, 0, 0), endpoints.stream().map(e -> e.inFlight).toList(),
                "each of the two that may take it holds its half: the left-out weight lowers no bound");
    }

    @Test
    void withUnequalWeightsEachEndpointsBoundIsItsWeightsShareOfTheLoad() {
        List<String> addresses = addresses(2);
        EndpointSelector bounded = EndpointSelectors.forEndpoints(LoadBalancing.CONSISTENT_HASH, addresses,
                new int[] {1, 3}, 150, new SplittableRandom(1));
        long light = homedOn(bounded, 0);
        long heavy = homedOn(bounded, 1);

        List<TestEndpoint> endpoints = TestEndpoint.count(2);
        for (int i = 0; i < 40; i++) {
            bounded.selectByKey(endpoints, e -> e.eligible, light).inFlight++;
        }
        // Weight 1 of 4: 150 % of a quarter of the load, about 15 of 40; the rest spill to the heavier one.
        assertTrue(endpoints.get(0).inFlight <= Math.ceil(1.5 * 40 / 4), "the light endpoint's share: "
                + endpoints.get(0).inFlight);
        assertTrue(endpoints.get(0).inFlight >= 13, "it keeps its bound's worth: " + endpoints.get(0).inFlight);

        endpoints.forEach(e -> e.inFlight = 0);
        for (int i = 0; i < 40; i++) {
            bounded.selectByKey(endpoints, e -> e.eligible, heavy).inFlight++;
        }
        // Weight 3 of 4: 150 % of three quarters is more than the whole load, so its keys never spill.
        assertEquals(40, endpoints.get(1).inFlight, "the heavy endpoint keeps every request of its key");
    }

    /** A key whose endpoint on a quiet ring is {@code index}. */
    private static long homedOn(EndpointSelector ring, int index) {
        List<TestEndpoint> quiet = TestEndpoint.count(2);
        for (int k = 0; ; k++) {
            long key = KeyHash.of("user-" + k);
            if (ring.selectByKey(quiet, e -> e.eligible, key).id == index) {
                return key;
            }
        }
    }
}
