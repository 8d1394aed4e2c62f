package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.BudgetConfig;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.rampart.core.resilience.Checks.checkArgument;
import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * {@link RetryBudget} over a lock-free {@link SlidingWindow} of one-second buckets.
 *
 * <p>Granting is a CAS on the current bucket's retry count against the value the check was made
 * with, so two event loops cannot both take the last retry. The one imprecision left: two threads on
 * either side of a bucket boundary increment different buckets and may both pass; that overshoots by
 * at most one retry per thread, once per second.
 */
final class WindowedRetryBudget implements RetryBudget {

    private static final int REQUESTS = 0;
    private static final int RETRIES = 1;
    private static final double ROUNDING_SLACK = 1e-6;

    private final double ratio;
    private final int minPerSecond;
    private final double floor;
    private final Ticker ticker;
    private final SlidingWindow window;

    WindowedRetryBudget(BudgetConfig config, Ticker ticker) {
        checkNotNull(config, "config");
        this.ticker = checkNotNull(ticker, "ticker");
        this.ratio = config.ratio();
        this.minPerSecond = config.minPerSecond();
        checkArgument(Double.isFinite(ratio) && ratio >= 0, "ratio: %s (expected: >= 0)", ratio);
        checkArgument(minPerSecond >= 0, "minPerSecond: %s (expected: >= 0)", minPerSecond);
        this.floor = (double) minPerSecond * WINDOW_SECONDS;
        this.window = new SlidingWindow(TimeUnit.SECONDS.toNanos(WINDOW_SECONDS), WINDOW_SECONDS, 2);
    }

    @Override
    public void onRequest() {
        window.increment(ticker.read(), REQUESTS);
    }

    @Override
    public Optional<RetryGrant> tryAcquireRetry() {
        long now = ticker.read();
        for (;;) {
            SlidingWindow.Bucket current = window.current(now);
            long retriesHere = current.counts.get(RETRIES);
            long retries = retriesHere + window.sumExcept(now, RETRIES, current);
            long requests = window.sum(now, REQUESTS);
            // A retry is granted only if the count with it stays within the allowance: "at most ratio × requests"
            // in whole retries, as Envoy's budget floors it and Finagle's waits for a whole token. Granting while
            // the count is below the allowance let the count end above it: a quiet route with ratio 0.2 and no
            // floor retried its first request's failure, a retry per request. The slack absorbs the rounding of
            // the product (0.29 × 100 is 28.999999999999996, and is 29).
            if (retries + 1 > ratio * requests + floor + ROUNDING_SLACK) {
                return Optional.empty();
            }
            if (current.counts.compareAndSet(RETRIES, retriesHere, retriesHere + 1)) {
                return Optional.of(new BucketGrant(current));
            }
        }
    }

    /**
     * A grant given back leaves the bucket it was counted in: exact whichever second it is now, and nothing at all
     * once that bucket has left the window (the retry no longer counts then, and the ring holds another bucket).
     */
    private static final class BucketGrant implements RetryGrant {
        private SlidingWindow.Bucket bucket;

        BucketGrant(SlidingWindow.Bucket bucket) {
            this.bucket = bucket;
        }

        @Override
        public void giveBack() {
            if (bucket != null) {
                bucket.counts.decrementAndGet(RETRIES);
                bucket = null;
            }
        }
    }

    @Override
    public long requestsInWindow() {
        return window.sum(ticker.read(), REQUESTS);
    }

    @Override
    public long retriesInWindow() {
        return window.sum(ticker.read(), RETRIES);
    }

    @Override
    public String toString() {
        return "RetryBudget(ratio=" + ratio + ", minPerSecond=" + minPerSecond + ", window=" + WINDOW_SECONDS + "s)";
    }
}
