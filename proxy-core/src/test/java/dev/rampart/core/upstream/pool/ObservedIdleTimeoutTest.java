package dev.rampart.core.upstream.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ObservedIdleTimeoutTest {

    private final ObservedIdleTimeout observed = new ObservedIdleTimeout();

    private static long millis(long ms) {
        return Duration.ofMillis(ms).toNanos();
    }

    @Test
    void nothingSeenLimitsNothing() {
        assertEquals(KeepAliveHint.NONE, observed.reusableIdleNanos(millis(1_000)));
    }

    @Test
    void aCloseAfterASecondOrMoreIdleLimitsReuseWithTheMarginOfAHint() {
        observed.upstreamClosedIdle(millis(1_010), millis(10_000)); // nginx keepalive_timeout 1s, seen a little late
        assertEquals(millis(505), observed.reusableIdleNanos(millis(10_000)));
        observed.upstreamClosedIdle(millis(2_000), millis(11_000));
        assertEquals(millis(1_000), observed.reusableIdleNanos(millis(11_000)), "gunicorn's 2 s");
    }

    @Test
    void aCloseAfterLessThanASecondTeachesNothing() {
        observed.upstreamClosedIdle(millis(300), millis(10_000)); // a reload closing whatever is idle
        assertEquals(KeepAliveHint.NONE, observed.reusableIdleNanos(millis(10_000)));
    }

    @Test
    void theLongestCloseCountsNotTheLast() {
        observed.upstreamClosedIdle(millis(5_000), millis(10_000));
        observed.upstreamClosedIdle(millis(1_500), millis(11_000)); // a restart, sooner than the timer
        assertEquals(millis(4_000), observed.reusableIdleNanos(millis(11_000)));
    }

    @Test
    void soonerClosesDoNotKeepALongerTimerInMemory() {
        observed.upstreamClosedIdle(millis(5_000), millis(10_000)); // Jetty's 30 s, say, before a redeploy ...
        long minute = Duration.ofMinutes(1).toNanos();
        for (int i = 1; i <= 6; i++) {
            observed.upstreamClosedIdle(millis(2_000), millis(10_000) + i * minute); // ... as Tomcat with 2 s
        }
        assertEquals(millis(1_000), observed.reusableIdleNanos(millis(10_000) + 6 * minute),
                "the 5 s timer, not seen for five minutes, is forgotten and the 2 s one learnt");
    }

    @Test
    void closesAtTheLearntTimerKeepItInMemory() {
        observed.upstreamClosedIdle(millis(5_000), millis(10_000));
        observed.upstreamClosedIdle(millis(4_800), millis(10_000) + Duration.ofMinutes(4).toNanos());
        assertEquals(millis(4_000), observed.reusableIdleNanos(millis(10_000) + Duration.ofMinutes(6).toNanos()));
    }

    @Test
    void whatIsLearntIsForgottenFiveMinutesAfterItWasLastSeen() {
        observed.upstreamClosedIdle(millis(5_000), millis(10_000));
        observed.upstreamClosedIdle(millis(5_000), millis(70_000));
        long lastSeen = millis(70_000);
        assertEquals(millis(4_000), observed.reusableIdleNanos(lastSeen + Duration.ofMinutes(5).toNanos() - 1));
        assertEquals(KeepAliveHint.NONE, observed.reusableIdleNanos(lastSeen + Duration.ofMinutes(5).toNanos()));
        observed.upstreamClosedIdle(millis(2_000), lastSeen + Duration.ofMinutes(6).toNanos());
        assertEquals(millis(1_000), observed.reusableIdleNanos(lastSeen + Duration.ofMinutes(6).toNanos()),
                "learnt afresh: the forgotten longer close no longer counts");
    }
}
