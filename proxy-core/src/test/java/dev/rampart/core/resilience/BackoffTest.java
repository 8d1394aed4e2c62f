package dev.rampart.core.resilience;

import dev.rampart.core.config.BackoffConfig;
import dev.rampart.core.config.BackoffConfig.Jitter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    private static final int SAMPLES = 20_000;

    private static Backoff backoff(Jitter jitter) {
        return Backoff.of(new BackoffConfig(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, jitter),
                new SplittableRandom(42));
    }

    /** min(2 s, 100 ms × 2^(N-1)). */
    private static long baseMillis(int retry) {
        return Math.min(2_000, 100L << (retry - 1));
    }

    @Test
    void noJitterIsExactlyTheExponentialCappedAtMax() {
        Backoff backoff = backoff(Jitter.NONE);
        long[] expected = {100, 200, 400, 800, 1600, 2000, 2000, 2000};
        for (int retry = 1; retry <= expected.length; retry++) {
            assertEquals(Duration.ofMillis(expected[retry - 1]), backoff.delayForRetry(retry), "retry " + retry);
        }
    }

    @Test
    void fullJitterReachesTheBaseItself() {
        // A generator at the top of what it is asked for: the range includes the base ("both ends included").
        java.util.random.RandomGenerator top = new java.util.random.RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public long nextLong(long origin, long bound) {
                return bound - 1;
            }
        };
        BackoffConfig config = new BackoffConfig(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, Jitter.FULL);
        assertEquals(Duration.ofMillis(100), Backoff.of(config, top).delayForRetry(1));
        assertEquals(Duration.ofMillis(200), Backoff.of(config, top).delayForRetry(2));
    }

    @Test
    void fullJitterIsUniformBetweenZeroAndTheBase() {
        Backoff backoff = backoff(Jitter.FULL);
        for (int retry = 1; retry <= 7; retry++) {
            long base = Duration.ofMillis(baseMillis(retry)).toNanos();
            Stats stats = sample(backoff, retry);
            assertTrue(stats.min >= 0 && stats.max <= base, "retry " + retry + ": " + stats);
            assertTrue(stats.min < base * 0.01, "the low end is reached: " + stats);
            assertTrue(stats.max > base * 0.99, "the high end is reached: " + stats);
            assertEquals(0.5, stats.mean / base, 0.02, "uniform mean: " + stats);
        }
    }

    @Test
    void equalJitterIsBetweenHalfTheBaseAndTheBase() {
        Backoff backoff = backoff(Jitter.EQUAL);
        for (int retry = 1; retry <= 7; retry++) {
            long base = Duration.ofMillis(baseMillis(retry)).toNanos();
            Stats stats = sample(backoff, retry);
            assertTrue(stats.min >= base / 2 && stats.max <= base, "retry " + retry + ": " + stats);
            assertTrue(stats.min < base * 0.51, "the low end is reached: " + stats);
            assertTrue(stats.max > base * 0.99, "the high end is reached: " + stats);
            assertEquals(0.75, stats.mean / base, 0.02, "uniform mean: " + stats);
        }
    }

    @Test
    void largeRetryNumbersDoNotOverflow() {
        assertEquals(Duration.ofSeconds(2), backoff(Jitter.NONE).delayForRetry(Integer.MAX_VALUE));
        assertEquals(Duration.ofSeconds(2), backoff(Jitter.NONE).delayForRetry(64));
        assertEquals(Duration.ofSeconds(2), backoff(Jitter.NONE).delayForRetry(1_100));
        Duration full = backoff(Jitter.FULL).delayForRetry(Integer.MAX_VALUE);
        assertTrue(!full.isNegative() && full.compareTo(Duration.ofSeconds(2)) <= 0, full.toString());

        Backoff huge = Backoff.of(new BackoffConfig(Duration.ofDays(1), Duration.ofDays(365_000_000L), 1e300, Jitter.NONE),
                new SplittableRandom(1));
        assertEquals(Duration.ofNanos(Long.MAX_VALUE), huge.delayForRetry(3), "saturates at the largest nanos");
        Duration fullHuge = Backoff.of(new BackoffConfig(Duration.ofDays(1), Duration.ofDays(365_000_000L), 1e300,
                Jitter.FULL), new SplittableRandom(1)).delayForRetry(1_000);
        assertTrue(!fullHuge.isNegative(), fullHuge.toString());
    }

    @Test
    void multiplierOneIsAConstantDelay() {
        Backoff constant = Backoff.of(new BackoffConfig(Duration.ofMillis(250), Duration.ofSeconds(2), 1.0, Jitter.NONE),
                new SplittableRandom(1));
        assertEquals(Duration.ofMillis(250), constant.delayForRetry(1));
        assertEquals(Duration.ofMillis(250), constant.delayForRetry(50));
    }

    @Test
    void zeroInitialMeansNoDelay() {
        Backoff none = Backoff.of(new BackoffConfig(Duration.ZERO, Duration.ZERO, 2.0, Jitter.FULL), new SplittableRandom(1));
        assertEquals(Duration.ZERO, none.delayForRetry(5));
    }

    @Test
    void badArgumentsAreRejectedWithTheExpectedMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backoff(Jitter.NONE).delayForRetry(0));
        assertEquals("retryNumber: 0 (expected: >= 1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backoff.of(
                new BackoffConfig(Duration.ofMillis(100), Duration.ofSeconds(2), 0.5, Jitter.NONE), new SplittableRandom(1)));
        assertEquals("multiplier: 0.5 (expected: >= 1.0)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backoff.of(
                new BackoffConfig(Duration.ofSeconds(3), Duration.ofSeconds(2), 2.0, Jitter.NONE), new SplittableRandom(1)));
        assertEquals("max: PT2S (expected: >= initial PT3S)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backoff.of(
                new BackoffConfig(Duration.ofMillis(-1), Duration.ofSeconds(2), 2.0, Jitter.NONE), new SplittableRandom(1)));
        assertEquals("initial: PT-0.001S (expected: >= 0)", e.getMessage());
    }

    private static Stats sample(Backoff backoff, int retry) {
        Stats stats = new Stats();
        for (int i = 0; i < SAMPLES; i++) {
            stats.add(backoff.delayForRetry(retry).toNanos());
        }
        return stats;
    }

    private static final class Stats {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        double sum;
        double mean;
        int n;

        void add(long value) {
            min = Math.min(min, value);
            max = Math.max(max, value);
            sum += value;
            n++;
            mean = sum / n;
        }

        @Override
        public String toString() {
            return "min=" + min + " max=" + max + " mean=" + mean;
        }
    }
}
