package dev.rampart.core.resilience;

import dev.rampart.core.config.BudgetConfig;
import dev.rampart.core.testing.Concurrently;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryBudgetTest {

    private final FakeTicker ticker = new FakeTicker();

    private RetryBudget budget(double ratio, int minPerSecond) {
        return RetryBudget.of(new BudgetConfig(ratio, minPerSecond), ticker);
    }

    private static void requests(RetryBudget budget, int n) {
        for (int i = 0; i < n; i++) {
            budget.onRequest();
        }
    }

    private static int grantAll(RetryBudget budget) {
        int granted = 0;
        while (budget.tryAcquireRetry().isPresent()) {
            granted++;
            if (granted > 1_000_000) {
                throw new AssertionError("the budget never ran out");
            }
        }
        return granted;
    }

    @Test
    void ratioAllowsThatShareOfRequests() {
        RetryBudget budget = budget(0.2, 0);
        requests(budget, 10);
        assertTrue(budget.tryAcquireRetry().isPresent());
        assertTrue(budget.tryAcquireRetry().isPresent());
        assertFalse(budget.tryAcquireRetry().isPresent(), "2 retries < 0.2 × 10 is false");
        assertEquals(10, budget.requestsInWindow());
        assertEquals(2, budget.retriesInWindow(), "a refused retry is not counted");
    }

    @Test
    void aRetryIsGrantedOnlyWhenTheCountWithItStaysWithinTheAllowance() {
        RetryBudget budget = budget(0.2, 0);
        requests(budget, 4);
        assertFalse(budget.tryAcquireRetry().isPresent(), "0.2 × 4 requests is 0.8 of a retry: none yet");
        requests(budget, 1);
        assertTrue(budget.tryAcquireRetry().isPresent(), "the fifth request earns one");
        assertFalse(budget.tryAcquireRetry().isPresent());
        assertEquals(1, budget.retriesInWindow());
    }

    @Test
    void anAllowanceThatDoubleArithmeticRoundsDownIsStillWhole() {
        RetryBudget budget = budget(0.29, 0);
        requests(budget, 100); // 0.29 × 100 is 28.999999999999996 in double
        assertEquals(29, grantAll(budget));
    }

    @Test
    void theFloorIsMinPerSecondTimesTheWindow() {
        RetryBudget budget = budget(0.0, 1);
        assertEquals(RetryBudget.WINDOW_SECONDS, grantAll(budget), "1/s over a 10 s window, with no requests at all");
    }

    @Test
    void ratioAndFloorAdd() {
        RetryBudget budget = budget(0.2, 10);
        requests(budget, 50);
        assertEquals(100 + 10, grantAll(budget));
    }

    @Test
    void aZeroBudgetGrantsNothing() {
        RetryBudget budget = budget(0.0, 0);
        requests(budget, 1_000);
        assertFalse(budget.tryAcquireRetry().isPresent());
    }

    @Test
    void requestsAndRetriesSlideOutOfTheWindow() {
        RetryBudget budget = budget(0.5, 0);
        requests(budget, 4);                      // t = 0 s
        assertEquals(2, grantAll(budget));

        ticker.advance(Duration.ofSeconds(5));    // t = 5 s: 6 requests, 2 retries in the window
        requests(budget, 2);
        assertEquals(1, grantAll(budget));
        assertEquals(6, budget.requestsInWindow());
        assertEquals(3, budget.retriesInWindow());

        ticker.advance(Duration.ofSeconds(5));    // t = 10 s: the t = 0 bucket has left the window
        assertEquals(2, budget.requestsInWindow());
        assertEquals(1, budget.retriesInWindow());
        assertFalse(budget.tryAcquireRetry().isPresent(), "1 retry < 0.5 × 2 is false");

        ticker.advance(Duration.ofSeconds(5));    // t = 15 s: everything has left
        assertEquals(0, budget.requestsInWindow());
        assertEquals(0, budget.retriesInWindow());
        requests(budget, 2);
        assertEquals(1, grantAll(budget));
    }

    @Test
    void aRequestCountsForNineToTenSecondsDependingOnWhereInItsSecondItFell() {
        FakeTicker aligned = new FakeTicker(1_000_000_000_000L); // at the start of a one-second bucket
        RetryBudget budget = RetryBudget.of(new BudgetConfig(1.0, 0), aligned);
        budget.onRequest();                           // t = 0.000 s, start of its bucket
        aligned.advance(Duration.ofMillis(999));
        budget.onRequest();                           // t = 0.999 s, end of the same bucket
        aligned.advance(Duration.ofMillis(9_000));    // t = 9.999 s
        assertEquals(2, budget.requestsInWindow(), "the bucket is still one of the last ten");
        aligned.advance(Duration.ofMillis(1));        // t = 10.000 s
        assertEquals(0, budget.requestsInWindow(), "ten buckets later the bucket is gone, both requests with it");
    }

    @Test
    void aNegativeTickerOriginWorks() {
        FakeTicker negative = new FakeTicker(-3_500_000_000L);
        RetryBudget budget = RetryBudget.of(new BudgetConfig(1.0, 0), negative);
        requests(budget, 2);
        negative.advance(Duration.ofSeconds(1));
        requests(budget, 1);
        assertEquals(3, budget.requestsInWindow());
        assertEquals(3, grantAll(budget));
    }

    @Test
    void concurrentRetriesNeverExceedTheBudget() throws Exception {
        RetryBudget budget = budget(0.0, 10); // exactly 100 retries in the window
        int granted = Concurrently.sumOf(8, () -> {
            int mine = 0;
            for (int i = 0; i < 1_000; i++) {
                if (budget.tryAcquireRetry().isPresent()) {
                    mine++;
                }
            }
            return mine;
        });
        assertEquals(100, granted);
        assertEquals(100, budget.retriesInWindow());
    }

    @Test
    void aGrantGivenBackFreesItsRetry() {
        RetryBudget budget = budget(0, 1); // 10 per window
        RetryGrant first = budget.tryAcquireRetry().orElseThrow();
        assertEquals(9, grantAll(budget));

        first.giveBack();

        assertEquals(9, budget.retriesInWindow());
        assertEquals(1, grantAll(budget), "the given-back retry is granted again, and only it");
    }

    @Test
    void aGrantGivenBackTwiceCountsOnce() {
        RetryBudget budget = budget(0, 1);
        RetryGrant grant = budget.tryAcquireRetry().orElseThrow();
        budget.tryAcquireRetry().orElseThrow();

        grant.giveBack();
        grant.giveBack();

        assertEquals(1, budget.retriesInWindow());
    }

    @Test
    void aGrantGivenBackLeavesTheSecondItWasCountedIn() {
        RetryBudget budget = budget(0, 1);
        RetryGrant early = budget.tryAcquireRetry().orElseThrow();
        ticker.advance(Duration.ofSeconds(3));
        assertEquals(9, grantAll(budget));

        early.giveBack();
        ticker.advance(Duration.ofMillis(7_500)); // the early second has left the window, the later not yet

        assertEquals(9, budget.retriesInWindow(), "the later second's nine are untouched by the early give-back");
    }

    @Test
    void aGrantGivenBackAfterItsSecondLeftTheWindowTakesNothingOffLaterRetries() {
        RetryBudget budget = budget(0, 1);
        RetryGrant stale = budget.tryAcquireRetry().orElseThrow();
        ticker.advance(Duration.ofSeconds(11));
        assertEquals(10, grantAll(budget));

        stale.giveBack();

        assertEquals(10, budget.retriesInWindow());
        assertFalse(budget.tryAcquireRetry().isPresent(), "no extra retry from a grant that no longer counted");
    }

    @Test
    void unlimitedGrantsEverything() {
        RetryBudget budget = RetryBudget.unlimited();
        for (int i = 0; i < 10_000; i++) {
            assertTrue(budget.tryAcquireRetry().isPresent());
        }
    }

    @Test
    void badConfigIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> budget(-0.1, 10));
        assertEquals("ratio: -0.1 (expected: >= 0)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> budget(0.2, -1));
        assertEquals("minPerSecond: -1 (expected: >= 0)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> budget(Double.NaN, 10));
    }
}
