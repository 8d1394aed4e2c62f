package dev.rampart.core.resilience;

import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.testing.Concurrently;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rate limiter's bucket shared by eight threads while time moves under them (each thread moves the ticker now and
 * then, as the event loops' clocks move while they decide): it hands out no more than its rule allows over the run.
 */
class RateLimiterUnderMovingTimeStressTest {

    private static final int THREADS = 8;
    private static final int OPERATIONS = 100_000;

    @Test
    void aSharedBucketNeverGrantsMoreThanItsBurstPlusItsRateOverTheTimeGoneBy() throws Exception {
        FakeTicker ticker = new FakeTicker();
        int perSecond = 1_000;
        int burst = 50;
        RateLimiter limiter = new RateLimiter(new RateLimitConfig(perSecond, burst, RateLimitConfig.Per.ROUTE), ticker);
        long start = ticker.read();
        int granted = Concurrently.sumOf(THREADS, () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int mine = 0;
            for (int i = 0; i < OPERATIONS; i++) {
                if (random.nextInt(16) == 0) {
                    ticker.advance(Duration.ofNanos(random.nextLong(100_000)));
                }
                if (limiter.tryAcquire("any") == 0) {
                    mine++;
                }
            }
            return mine;
        });
        double seconds = (ticker.read() - start) / (double) TimeUnit.SECONDS.toNanos(1);
        long allowed = burst + (long) Math.floor(seconds * perSecond) + 1;
        assertTrue(granted <= allowed, granted + " granted, " + allowed + " allowed over " + seconds + " s");
        assertTrue(granted >= allowed * 9 / 10, "the bucket was used up: " + granted + " of " + allowed);
    }
}
