package dev.rampart.core.upstream.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KeepAliveHintTest {

    private static long idleFor(String... lines) {
        return KeepAliveHint.reusableIdleNanos(List.of(lines));
    }

    private static long millis(long ms) {
        return Duration.ofMillis(ms).toNanos();
    }

    @Test
    void aConnectionIsTakenUpToOneSecondBeforeTheUpstreamSaysItClosesIt() {
        assertEquals(millis(4_000), idleFor("timeout=5"), "Node.js");
        assertEquals(millis(4_000), idleFor("timeout=5, max=100"), "Apache");
        assertEquals(millis(59_000), idleFor("max=1000, timeout=60"));
    }

    @Test
    void aHintUnderTwoSecondsKeepsHalfOfIt() {
        assertEquals(millis(500), idleFor("timeout=1"));
        assertEquals(millis(1_000), idleFor("timeout=2"));
        assertEquals(0, idleFor("timeout=0"), "an upstream that keeps nothing idle");
    }

    @Test
    void theParameterIsReadInAnyCaseWithSpacesAndQuotes() {
        assertEquals(millis(2_000), idleFor("Timeout = 3"));
        assertEquals(millis(2_000), idleFor("TIMEOUT=\"3\""));
        assertEquals(millis(2_000), idleFor("  max=5 ,timeout=3 , "));
    }

    @Test
    void theShortestOfSeveralHintsCounts() {
        assertEquals(millis(4_000), idleFor("timeout=30", "timeout=5"));
        assertEquals(millis(4_000), idleFor("timeout=5, timeout=30"));
    }

    @Test
    void anythingMalformedIsNoHint() {
        for (String line : new String[]{"", "max=5", "timeout", "timeout=", "timeout=-5", "timeout=5s", "timeout=1.5",
                "timeout=\"\"", "timeouts=5", "x-timeout=5", "timeout=\"5", "timeout=0x10", "timeout=+5"}) {
            assertEquals(KeepAliveHint.NONE, idleFor(line), line);
        }
        assertEquals(millis(4_000), idleFor("timeout=abc, timeout=5"), "a valid one beside a malformed one");
    }

    @Test
    void aHugeTimeoutIsALongTimeNotAnOverflow() {
        long huge = idleFor("timeout=99999999999999999999999");
        assertEquals(true, huge > Duration.ofDays(365 * 100).toNanos(), "centuries, not a negative number");
        assertEquals(Duration.ofSeconds(999_999_999).toNanos() - millis(1_000), idleFor("timeout=999999999"));
    }
}
