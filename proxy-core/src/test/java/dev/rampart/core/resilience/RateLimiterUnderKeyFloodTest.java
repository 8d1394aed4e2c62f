package dev.rampart.core.resilience;

import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.config.RateLimitConfig.Per;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Buckets forgotten for room, as docs/configuration.md's {@code rate-limit} words it: a flood of new keys past the
 * bound of kept buckets does not hand a client that keeps sending a fresh burst. Time stands still here: whatever
 * the client gets past its burst would be its bucket started again.
 */
class RateLimiterUnderKeyFloodTest {

    private final FakeTicker ticker = new FakeTicker();

    private static int granted(RateLimiter limiter, String client, int tries) {
        int granted = 0;
        for (int i = 0; i < tries; i++) {
            granted += limiter.tryAcquire(client) == 0 ? 1 : 0;
        }
        return granted;
    }

    @Test
    void aClientThatKeepsSendingKeepsItsEmptyBucketThroughAFloodOfNewKeys() {
        RateLimiter limiter = new RateLimiter(new RateLimitConfig(0.01, 5, Per.CLIENT_IP), ticker);
        int granted = granted(limiter, "203.0.113.7", 10);
        assertEquals(5, granted, "the burst");

        long flood = 3 * RateLimiter.MAX_TRACKED_CLIENTS; // made-up addresses or keys, each sent once
        for (long i = 0; i < flood; i++) {
            limiter.tryAcquire("flood " + i);
            if (i % 1_000 == 0) {
                granted += granted(limiter, "203.0.113.7", 1); // now and then, far less often than the flood
            }
        }

        assertEquals(5, granted, "the client's bucket was forgotten for room and started full again");
        assertTrue(limiter.trackedClients() <= RateLimiter.MAX_TRACKED_CLIENTS,
                "kept buckets: " + limiter.trackedClients());
    }
}
