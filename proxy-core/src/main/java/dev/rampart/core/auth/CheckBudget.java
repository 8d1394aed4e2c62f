package dev.rampart.core.auth;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * How much of each event loop's time signature checks may take: {@link #SHARE_PERCENT} % of every second, per
 * thread. A token the verifier does not remember costs a signature check on the event loop (about 50 µs for
 * RS256, about 1 ms for ES256 with Java 17's own EC code); without a bound, anyone could send made-up tokens with
 * a known {@code kid} and keep the loops checking them, starving every route. Past the budget, a token that
 * would need a check is not checked until the next second (the request is answered 503); remembered tokens
 * still pass. Thread-safe: each thread keeps its own account.
 */
public final class CheckBudget {

    static final int SHARE_PERCENT = 25;
    private static final long WINDOW_NANOS = 1_000_000_000L;
    static final long NANOS_PER_WINDOW = WINDOW_NANOS * SHARE_PERCENT / 100;

    private final Ticker ticker;
    /** Per thread: the start of its current second, and the nanoseconds spent checking in it. */
    private final ThreadLocal<long[]> accounts = ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE, 0});

    public CheckBudget(Ticker ticker) {
        this.ticker = ticker;
    }

    /** What {@link #startCheck} gives a thread that has no time left this second. */
    static final long NO_TIME = Long.MIN_VALUE;

    /**
     * The time now, when this thread may still check a signature in its current second; {@link #NO_TIME} when it
     * may not (a ticker's reading may be negative, so no other value is set aside).
     */
    long startCheck() {
        long now = ticker.read();
        long[] account = accounts.get();
        if (account[0] == Long.MIN_VALUE || now - account[0] >= WINDOW_NANOS) {
            account[0] = now;
            account[1] = 0;
        }
        return account[1] < NANOS_PER_WINDOW ? now : NO_TIME;
    }

    /** A check that began at {@code startNanos} ({@link #startCheck}) is over. */
    void endCheck(long startNanos) {
        accounts.get()[1] += ticker.read() - startNanos;
    }
}
