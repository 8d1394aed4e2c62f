package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.config.RateLimitConfig.Per;
import dev.rampart.core.testing.Concurrently;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request charged to several buckets ({@code per = header} with several keys) takes a token from each of them or
 * from none, with time moved by the test.
 */
class RateLimiterAllOrNothingTest {

    private static final long MILLI = 1_000_000L;
    private final FakeTicker ticker = new FakeTicker();

    private RateLimiter limiter(double perSecond, int burst) {
        return new RateLimiter(new RateLimitConfig(perSecond, burst, Per.HEADER, Optional.of("X-Api-Key")), ticker);
    }

    /** How many requests with only {@code key} go, of {@code tries}. */
    private static int taken(RateLimiter limiter, String key, int tries) {
        int granted = 0;
        for (int i = 0; i < tries; i++) {
            if (limiter.tryAcquire(key) == 0) {
                granted++;
            }
        }
        return granted;
    }

    @Test
    void aRequestRefusedForOneEmptyBucketTakesNothingFromItsOthers() {
        for (List<String> keys : List.of(List.of("victim", "exhausted"), List.of("exhausted", "victim"))) {
            RateLimiter limiter = limiter(0.001, 3);
            assertEquals(3, taken(limiter, "exhausted", 3));
            for (int i = 0; i < 100; i++) {
                assertTrue(limiter.tryAcquireAll(keys) > 0, keys + " is refused");
            }
            assertEquals(3, taken(limiter, "victim", 10), keys + ": the victim's bucket is still full");
        }
    }

    @Test
    void anAdmittedRequestTakesOneTokenFromEachOfItsBuckets() {
        RateLimiter limiter = limiter(0.001, 2);
        assertEquals(0, limiter.tryAcquireAll(List.of("a", "b", "c")));
        assertEquals(1, taken(limiter, "a", 5));
        assertEquals(1, taken(limiter, "b", 5));
        assertEquals(0, limiter.tryAcquireAll(List.of("c", "d")));
        assertEquals(0, taken(limiter, "c", 5));
        assertEquals(1, taken(limiter, "d", 5));
    }

    @Test
    void aRefusalWaitsForTheSlowestOfItsEmptyBuckets() {
        RateLimiter limiter = limiter(10, 2); // a token every 100 ms
        taken(limiter, "early", 2);
        ticker.advance(Duration.ofMillis(60));
        taken(limiter, "late", 2);
        // early has a token 40 ms from now, late 100 ms; full has one now
        assertEquals(100 * MILLI, limiter.tryAcquireAll(List.of("early", "late", "full")));
        assertEquals(100 * MILLI, limiter.tryAcquireAll(List.of("late", "full", "early")));
        assertEquals(40 * MILLI, limiter.tryAcquireAll(List.of("full", "early")));
        assertEquals(2, taken(limiter, "full", 5), "no refusal took from the full bucket");
        ticker.advance(Duration.ofMillis(40));
        assertEquals(60 * MILLI, limiter.tryAcquireAll(List.of("early", "late")),
                "early's token is there, but late's is not: the request still waits, and takes early's token not");
        assertEquals(1, taken(limiter, "early", 5));
    }

    @Test
    void aTakeGivenBackWithNothingBetweenLeavesTheBucketAsItWas() {
        RateLimiter limiter = limiter(10, 2);
        AtomicLong bucket = limiter.bucketOf("a");
        assertEquals(0, limiter.tryAcquire("a"));
        limiter.giveBack(bucket, bucket.get());
        assertEquals(2, taken(limiter, "a", 5));
    }

    @Test
    void aTakeGivenBackAfterOthersTookFromTheBucketCostsNothingAndFreesNothingExtra() {
        RateLimiter limiter = limiter(10, 3);
        AtomicLong bucket = limiter.bucketOf("a");
        assertEquals(0, limiter.tryAcquire("a")); // the take of a request about to be refused
        long after = bucket.get();
        assertEquals(0, limiter.tryAcquire("a")); // one with one key, in between
        limiter.giveBack(bucket, after);
        assertEquals(2, taken(limiter, "a", 5), "three tokens, one taken by a request that went");
    }

    @Test
    void aTakeGivenBackAfterItsTokenHalfCameBackGivesBackOnlyWhatTheBucketWouldNotHaveRefilled() {
        // A full bucket, a take of a request about to be refused, 50 ms (half an interval) and a take by a request
        // with one key: had the refused take never been made, that take would have found the bucket full, and put
        // it a whole interval in debt; with it, the bucket was half an interval in debt and went to one and a half.
        // Giving back a whole interval would leave it half an interval in debt: half a token more than it should.
        RateLimiter limiter = limiter(10, 2);
        RateLimiter untouched = limiter(10, 2);
        AtomicLong bucket = limiter.bucketOf("a");
        assertEquals(0, limiter.tryAcquire("a"));
        long after = bucket.get();
        ticker.advance(Duration.ofMillis(50));
        assertEquals(0, limiter.tryAcquire("a"));
        assertEquals(0, untouched.tryAcquire("a"));
        limiter.giveBack(bucket, after);
        List<Long> waits = new ArrayList<>();
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waits.add(limiter.tryAcquire("a"));
            expected.add(untouched.tryAcquire("a"));
            ticker.advance(Duration.ofMillis(30));
        }
        assertEquals(expected, waits, "the bucket is as one that never saw the refused take");
        assertEquals(List.of(0L, 70 * MILLI, 40 * MILLI, 10 * MILLI), expected);
    }

    @Test
    void eventLoopsRacingOnOverlappingKeysNeitherOverAdmitNorChargeARefusal() throws Exception {
        String[] keys = {"a", "b", "c"};
        List<List<String>> requests = List.of(List.of("a"), List.of("b"), List.of("c"), List.of("a", "b"),
                List.of("b", "c"), List.of("c", "a"), List.of("a", "b", "c"));
        for (int round = 0; round < 30; round++) {
            int burst = 200;
            RateLimiter limiter = limiter(0.001, burst); // time stands still: no token comes back
            AtomicIntegerArray charged = new AtomicIntegerArray(keys.length);
            Concurrently.sumOf(4, () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 600; i++) {
                    List<String> request = requests.get(random.nextInt(requests.size()));
                    if (limiter.tryAcquireAll(request) == 0) {
                        for (String key : request) {
                            charged.incrementAndGet(key.charAt(0) - 'a');
                        }
                    }
                }
                return 0;
            });
            for (int k = 0; k < keys.length; k++) {
                int left = taken(limiter, keys[k], burst + 1);
                assertEquals(burst, charged.get(k) + left,
                        "round " + round + ", " + keys[k] + ": tokens taken by admitted requests and tokens left");
            }
        }
    }

    @Test
    void aRequestWhoseBucketIsEmptiedBetweenItsCheckAndItsTakeGivesBackWhatItTook() throws Exception {
        PausingTicker pausing = new PausingTicker(ticker);
        RateLimiter limiter = new RateLimiter(
                new RateLimitConfig(0.001, 3, Per.HEADER, Optional.of("X-Api-Key")), pausing);
        AtomicLong b = limiter.bucketOf("b");
        assertEquals(2, taken(limiter, "b", 2));
        pausing.pauseWhenHolding(b);
        CompletableFuture<Long> both = CompletableFuture.supplyAsync(() -> limiter.tryAcquireAll(List.of("b", "a")));
        pausing.awaitPaused(); // checked: b had a token; holds a's and b's monitors; takes a's token, then b's
        assertEquals(0, limiter.tryAcquire("b"), "a request naming b alone takes its last token meanwhile");
        pausing.resume();
        assertTrue(both.get(10, TimeUnit.SECONDS) > 0, "b is empty: the request naming a and b is refused");
        assertEquals(3, taken(limiter, "a", 5), "and the token it took from a is back");
    }

    @Test
    void aRequestRefusedForAnEmptyBucketNeverHoldsItsOtherBucketsNorWritesThem() {
        // So that a client naming someone else's key beside an exhausted one, over and over, neither makes that
        // key's requests wait on a monitor nor leaves a moment in which its token is out.
        PausingTicker pausing = new PausingTicker(ticker);
        RateLimiter limiter = new RateLimiter(
                new RateLimitConfig(0.001, 1, Per.HEADER, Optional.of("X-Api-Key")), pausing);
        assertEquals(1, taken(limiter, "exhausted", 1));
        AtomicLong victim = limiter.bucketOf("victim");
        long untouched = victim.get();
        pausing.pauseWhenHolding(victim);
        assertTrue(limiter.tryAcquireAll(List.of("victim", "exhausted")) > 0);
        pausing.resume();
        assertFalse(pausing.hasPaused(), "the refused request took the victim's monitor");
        assertEquals(untouched, victim.get());
    }

    /** A ticker that, read once by a thread holding a given monitor, waits there until the test lets it go. */
    private static final class PausingTicker implements Ticker {

        private final Ticker time;
        private final CountDownLatch paused = new CountDownLatch(1);
        private final CountDownLatch resumed = new CountDownLatch(1);
        private volatile Object monitor;

        PausingTicker(Ticker time) {
            this.time = time;
        }

        void pauseWhenHolding(Object monitor) {
            this.monitor = monitor;
        }

        void awaitPaused() throws InterruptedException {
            assertTrue(paused.await(10, TimeUnit.SECONDS), "the request took the monitors and read the time");
        }

        boolean hasPaused() {
            return paused.getCount() == 0;
        }

        void resume() {
            resumed.countDown();
        }

        @Override
        public long read() {
            Object held = monitor;
            if (held != null && Thread.holdsLock(held)) {
                monitor = null;
                paused.countDown();
                try {
                    resumed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return time.read();
        }
    }
}
