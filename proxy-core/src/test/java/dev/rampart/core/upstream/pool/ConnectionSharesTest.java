package dev.rampart.core.upstream.pool;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** max-connections-per-endpoint is split over the event loops so that the shares add up to it. */
class ConnectionSharesTest {

    @ParameterizedTest(name = "{0} connections over {1} loops")
    @CsvSource({"512, 2", "513, 2", "3, 2", "7, 4", "1, 1", "100, 3"})
    void theSharesAddUpToTheLimitAndDifferByAtMostOne(int total, int loops) {
        int sum = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int i = 0; i < loops; i++) {
            int share = OriginPools.sharesOf(total, loops, i);
            sum += share;
            min = Math.min(min, share);
            max = Math.max(max, share);
        }
        assertEquals(total, sum);
        assertEquals(true, max - min <= 1, min + ".." + max);
    }
}
