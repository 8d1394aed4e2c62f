package dev.rampart.core.resilience;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.rampart.core.resilience.Checks.checkArgument;

/** {@link Bulkhead} as one atomic counter; a CAS loop keeps it from ever passing the limit. */
final class CountingBulkhead implements Bulkhead {

    /** Changed by a reload ({@link #limitTo}); the requests in flight stay counted. */
    private volatile int maxConcurrent;
    private final AtomicInteger inFlight = new AtomicInteger();

    CountingBulkhead(int maxConcurrent) {
        checkArgument(maxConcurrent >= 1, "maxConcurrent: %s (expected: >= 1)", maxConcurrent);
        this.maxConcurrent = maxConcurrent;
    }

    /** A new limit for the slots taken from now on; slots held now stay held and counted. */
    void limitTo(int newMax) {
        checkArgument(newMax >= 1, "maxConcurrent: %s (expected: >= 1)", newMax);
        this.maxConcurrent = newMax;
    }

    @Override
    public boolean tryAcquire() {
        int limit = maxConcurrent;
        for (;;) {
            int current = inFlight.get();
            if (current >= limit) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    @Override
    public void release() {
        for (;;) {
            int current = inFlight.get();
            if (current == 0) {
                throw new IllegalStateException("release() without a slot taken (double release?)");
            }
            if (inFlight.compareAndSet(current, current - 1)) {
                return;
            }
        }
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public int maxConcurrent() {
        return maxConcurrent;
    }

    @Override
    public String toString() {
        return "Bulkhead(" + inFlight.get() + '/' + maxConcurrent + ')';
    }
}
