package dev.rampart.core.resilience;

import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.config.RateLimitConfig.Per;
import dev.rampart.core.testing.Concurrently;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token bucket of a route's {@code rate-limit}, with time moved by the test. */
class RateLimiterTest {

    private static final long MILLI = 1_000_000L;
    private final FakeTicker ticker = new FakeTicker();

    private RateLimiter limiter(double perSecond, int burst, Per per) {
        return new RateLimiter(new RateLimitConfig(perSecond, burst, per), ticker);
    }

    private static int taken(RateLimiter limiter, String client, int tries) {
        int granted = 0;
        for (int i = 0; i < tries; i++) {
            if (limiter.tryAcquire(client) == 0) {
                granted++;
            }
        }
        return granted;
    }

    @Test
    void aFullBucketTakesTheBurstAtOnceAndNoMore() {
        RateLimiter limiter = limiter(10, 5, Per.CLIENT_IP);
        assertEquals(5, taken(limiter, "10.0.0.1", 20));
    }

    @Test
    void aRefusalSaysHowLongUntilTheNextToken() {
        RateLimiter limiter = limiter(10, 2, Per.CLIENT_IP); // a token every 100 ms
        taken(limiter, "a", 2);
        assertEquals(100 * MILLI, limiter.tryAcquire("a"));
        ticker.advance(Duration.ofMillis(30));
        assertEquals(70 * MILLI, limiter.tryAcquire("a"), "refusals take nothing: the wait only shrinks with time");
        ticker.advance(Duration.ofMillis(70));
        assertEquals(0, limiter.tryAcquire("a"));
        assertEquals(100 * MILLI, limiter.tryAcquire("a"));
    }

    @Test
    void theSustainedRateIsTheConfiguredOne() {
        RateLimiter limiter = limiter(50, 10, Per.CLIENT_IP);
        int granted = taken(limiter, "a", 100); // the burst
        for (int ms = 0; ms < 10_000; ms++) {
            ticker.advance(Duration.ofMillis(1));
            granted += taken(limiter, "a", 3); // a client asking three times a millisecond
        }
        assertEquals(10 + 50 * 10, granted, "the burst, then 50 a second for 10 seconds");
    }

    @Test
    void aQuietBucketRefillsOnlyUpToTheBurst() {
        RateLimiter limiter = limiter(100, 3, Per.CLIENT_IP);
        taken(limiter, "a", 3);
        ticker.advance(Duration.ofHours(1));
        assertEquals(3, taken(limiter, "a", 10));
    }

    @Test
    void aQuietRouteWideBucketRefillsOnlyUpToTheBurstToo() {
        // One bucket for the route is never evicted as a client's may be, so its refill is what caps it.
        RateLimiter limiter = limiter(100, 3, Per.ROUTE);
        taken(limiter, "a", 3);
        ticker.advance(Duration.ofHours(1));
        assertEquals(3, taken(limiter, "b", 10));
    }

    @Test
    void aFractionalRateTakesOneRequestEveryTwoSeconds() {
        RateLimiter limiter = limiter(0.5, 1, Per.CLIENT_IP);
        assertEquals(0, limiter.tryAcquire("a"));
        assertEquals(2_000 * MILLI, limiter.tryAcquire("a"));
        ticker.advance(Duration.ofMillis(1_999));
        assertTrue(limiter.tryAcquire("a") > 0);
        ticker.advance(Duration.ofMillis(1));
        assertEquals(0, limiter.tryAcquire("a"));
    }

    @Test
    void eachClientAddressHasItsOwnBucket() {
        RateLimiter limiter = limiter(1, 2, Per.CLIENT_IP);
        assertEquals(2, taken(limiter, "10.0.0.1", 5));
        assertEquals(2, taken(limiter, "10.0.0.2", 5), "another client is not held to the first one's use");
        assertEquals(2, limiter.trackedClients());
    }

    @Test
    void aRouteBucketIsSharedByEveryClient() {
        RateLimiter limiter = limiter(1, 3, Per.ROUTE);
        assertEquals(2, taken(limiter, "10.0.0.1", 2));
        assertEquals(1, taken(limiter, "10.0.0.2", 5));
        assertEquals(0, limiter.trackedClients());
    }

    @Test
    void aClientsBucketIsForgottenASecondAfterItWouldBeFullAgain() {
        RateLimiter limiter = limiter(10, 5, Per.CLIENT_IP); // full again 500 ms after the last token
        taken(limiter, "a", 5);
        ticker.advance(Duration.ofMillis(1_499));
        limiter.tryAcquire("b");
        assertEquals(2, limiter.trackedClients());
        ticker.advance(Duration.ofMillis(2));
        assertEquals(1, limiter.trackedClients(),
                "b's bucket is kept, a's has been full for a second and is forgotten");
        assertEquals(5, taken(limiter, "a", 10), "a forgotten bucket is a full one");
    }

    @Test
    void aBucketTakenFromAgainWithinASecondIsNotForgottenBeforeItIsFull() {
        // Caffeine records a read only once the access it recorded is over a second old: the take at 556 ms went
        // unrecorded, and a bucket that expired 1.5 s after the first take was forgotten with a token still owed.
        RateLimiter limiter = limiter(2, 3, Per.CLIENT_IP); // a token every 500 ms, full 1.5 s after the last
        assertEquals(3, taken(limiter, "a", 5));
        ticker.advance(Duration.ofMillis(556));
        assertEquals(1, taken(limiter, "a", 5), "one token back");
        ticker.advance(Duration.ofMillis(1_054));
        assertEquals(2, taken(limiter, "a", 5), "two tokens back, not a full bucket");
    }

    @Test
    void eventLoopsTakingAtOnceNeverShareOutMoreThanTheBurst() throws Exception {
        for (int round = 0; round < 20; round++) {
            RateLimiter limiter = limiter(1, 1_000, round % 2 == 0 ? Per.ROUTE : Per.CLIENT_IP);
            int granted = Concurrently.sumOf(4, () -> taken(limiter, "10.0.0.1", 1_000));
            assertEquals(1_000, granted, "round " + round);
        }
    }

    @Test
    void aReloadKeepsAnUnchangedLimiterAndReplacesAChangedOne() {
        RateLimiters kept = new RateLimiters(ticker);
        RateLimitConfig config = new RateLimitConfig(5, 5, Per.CLIENT_IP);
        RateLimiter first = kept.forRoute("api", config);
        assertSame(first, kept.forRoute("api", new RateLimitConfig(5, 5, Per.CLIENT_IP)));
        RateLimiter changed = kept.forRoute("api", new RateLimitConfig(5, 6, Per.CLIENT_IP));
        assertNotSame(first, changed);
        kept.retainOnly(Set.of(), Set.of());
        assertNotSame(changed, kept.forRoute("api", new RateLimitConfig(5, 6, Per.CLIENT_IP)),
                "a route that lost its limit starts afresh when it gets one again");
    }

    @Test
    void aLimiterMadeForAReloadThatIsRefusedIsForgottenAndTheRunningOneKept() {
        RateLimiters kept = new RateLimiters(ticker);
        RateLimiter running = kept.forRoute("api", new RateLimitConfig(5, 5, Per.CLIENT_IP));
        RateLimiter refused = kept.prepare("api", new RateLimitConfig(5, 6, Per.CLIENT_IP));
        assertNotSame(running, refused);
        kept.discard();
        assertSame(running, kept.forRoute("api", new RateLimitConfig(5, 5, Per.CLIENT_IP)),
                "the next reload, with the running settings, keeps the running buckets");
        RateLimiter applied = kept.prepare("api", new RateLimitConfig(5, 6, Per.CLIENT_IP));
        assertSame(running, kept.prepare("api", new RateLimitConfig(5, 5, Per.CLIENT_IP)), "until it swaps in");
        kept.commit();
        assertSame(applied, kept.forRoute("api", new RateLimitConfig(5, 6, Per.CLIENT_IP)));
    }

    @Test
    void aReloadThatOnlySpellsTheKeyHeaderAnotherWayKeepsTheBuckets() {
        RateLimiters kept = new RateLimiters(ticker);
        RateLimiter first = kept.forRoute("api", new RateLimitConfig(5, 5, Per.HEADER, Optional.of("X-Api-Key")));
        assertSame(first, kept.forRoute("api", new RateLimitConfig(5, 5, Per.HEADER, Optional.of("x-api-key"))));
        assertSame(first, kept.forRoute("api", new RateLimitConfig(5, 5, Per.HEADER, Optional.of("X_API_KEY"))),
                "an underscore spelling keys the same lines");
        assertNotSame(first, kept.forRoute("api", new RateLimitConfig(5, 5, Per.HEADER, Optional.of("X-Tenant"))));
    }
}
