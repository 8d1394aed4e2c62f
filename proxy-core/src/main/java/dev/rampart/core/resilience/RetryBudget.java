package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.BudgetConfig;

import java.util.Optional;

/**
 * Caps retries on a route relative to its traffic, so that when an upstream falls over the proxy
 * adds at most a fraction more load instead of multiplying it by {@code attempts} (a retry storm).
 * One per route, shared by every event loop.
 *
 * <p>The budget counts, over a sliding window of {@value #WINDOW_SECONDS} seconds, the requests
 * ({@link #onRequest()}, once per client request, not per attempt) and the retries granted. A retry is
 * granted when
 * <pre>
 *   retriesInWindow + 1 &lt;= ratio × requestsInWindow + minPerSecond × {@value #WINDOW_SECONDS}
 * </pre>
 * As in Finagle's {@code RetryBudget} (ttl 10 s, {@code minRetriesPerSec}, {@code percentCanRetry}),
 * the floor is a reserve for the whole window, so a quiet route can still retry a burst of failures;
 * with the defaults (0.2, 10/s) that is 100 retries per 10 s plus one retry per five requests. Retries are
 * whole: the count never passes the allowance, so with ratio 0.2 and no floor four requests earn no retry.
 * The window moves in one-second steps: an event counts for between 9 and 10 seconds, depending on
 * where in its second it fell.
 */
public interface RetryBudget {

    /** Length of the sliding window in seconds. */
    int WINDOW_SECONDS = 10;

    /** A budget per {@code retry.budget} over {@value #WINDOW_SECONDS} one-second buckets of {@code ticker}. */
    static RetryBudget of(BudgetConfig config, Ticker ticker) {
        return new WindowedRetryBudget(config, ticker);
    }

    /** A budget that grants every retry; for tests and for routes that never retry. */
    static RetryBudget unlimited() {
        return UnlimitedRetryBudget.INSTANCE;
    }

    /** Records one client request (not one attempt). */
    void onRequest();

    /**
     * Grants one retry and counts it, or refuses (empty) and counts nothing. Call it only when every other rule
     * allows the retry, and {@linkplain RetryGrant#giveBack give the grant back} when the retry is not sent after
     * all, or the budget drains on retries that never went out.
     */
    Optional<RetryGrant> tryAcquireRetry();

    /** Client requests recorded in the current window. */
    long requestsInWindow();

    /** Retries granted in the current window. */
    long retriesInWindow();
}
