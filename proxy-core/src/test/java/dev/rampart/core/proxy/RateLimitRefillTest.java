package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A per-client bucket refills at the configured rate and no faster, over real sockets, with the proxy's clock
 * moved by the test: one taken from again within a second is not forgotten (and handed back full) before it has
 * refilled.
 */
class RateLimitRefillTest {

    private static final String GET = "GET /limited HTTP/1.1\r\nHost: app\r\n\r\n";

    private final AtomicLong nanos = new AtomicLong(1_234_567_890_123L);
    private final Ticker ticker = nanos::get;
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config("",
            "{ name = limited, match { path-prefix = \"/limited\" }, respond { status = 200, body = ok },"
                    + " rate-limit { requests-per-second = 2, burst = 3 } }"), ticker);

    @AfterEach
    void stop() {
        proxy.close();
    }

    private int accepted(int tries) {
        int accepted = 0;
        for (int i = 0; i < tries; i++) {
            int status = RawHttp.exchangeFrom("127.0.0.1", proxy.port(), GET).status();
            if (status == 200) {
                accepted++;
            } else {
                assertEquals(429, status);
            }
        }
        return accepted;
    }

    private void advance(long millis) {
        nanos.addAndGet(Duration.ofMillis(millis).toNanos());
    }

    @Test
    void aBucketTakenFromAgainWithinASecondRefillsAtTheRateNotAllAtOnce() {
        assertEquals(3, accepted(4), "the burst");
        advance(556);
        assertEquals(1, accepted(2), "a token every 500 ms");
        advance(1_054);
        assertEquals(2, accepted(4), "two tokens in the 1,054 ms since, not the bucket's whole burst of 3");
    }

    @Test
    void aQuietBucketIsFullAgainAfterBurstOverRate() {
        assertEquals(3, accepted(4));
        advance(1_500);
        assertEquals(3, accepted(4), "full again, and never more than the burst");
    }
}
