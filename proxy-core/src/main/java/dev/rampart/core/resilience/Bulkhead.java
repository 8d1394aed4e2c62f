package dev.rampart.core.resilience;

/**
 * Caps the requests in flight to one upstream ({@code max-concurrent-requests}), so that a slow
 * upstream makes the proxy refuse fast with {@code UPSTREAM_OVERLOADED} instead of queueing
 * connections and memory until everything is slow. Non-blocking: there is no waiting for a slot.
 * Shared by every event loop.
 */
public interface Bulkhead {

    /** A bulkhead admitting at most {@code maxConcurrent} requests at once. */
    static Bulkhead of(int maxConcurrent) {
        return new CountingBulkhead(maxConcurrent);
    }

    /** Takes a slot, or returns {@code false} at once when all are taken. */
    boolean tryAcquire();

    /**
     * Gives back a slot taken by {@link #tryAcquire()}; call exactly once per granted slot.
     *
     * @throws IllegalStateException when no slot is taken, which means a double release somewhere
     */
    void release();

    /** Requests holding a slot now. */
    int inFlight();

    /** The configured limit. */
    int maxConcurrent();
}
