package dev.rampart.core.auth;

import com.github.benmanes.caffeine.cache.Ticker;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.LongSupplier;

/**
 * How much of each event loop's time signature checks may take: {@link #SHARE_PERCENT} % of every second, per
 * thread. A token the verifier does not remember costs a signature check on the event loop (about 50 µs for
 * RS256, about 1 ms for ES256 with Java 17's own EC code); without a bound, anyone could send made-up tokens with
 * a known {@code kid} and keep the loops checking them, starving every route. Past the budget, a token that
 * would need a check is not checked until the next second (the request is answered 503); remembered tokens
 * still pass. Thread-safe: each thread keeps its own account.
 *
 * <p>A check is charged the processor time its thread spent on it where the JVM can tell
 * ({@link #ofThreadCpuTime}), not the time that passed: a loop descheduled in the middle of a check (a container
 * at its CPU quota is throttled for up to a 100 ms period at a time, a busy machine runs other processes) spent
 * nothing on it, and charging the wait would answer 503 to valid tokens whenever the machine is short of CPU.
 */
public final class CheckBudget {

    static final int SHARE_PERCENT = 25;
    private static final long WINDOW_NANOS = 1_000_000_000L;
    static final long NANOS_PER_WINDOW = WINDOW_NANOS * SHARE_PERCENT / 100;

    private final Ticker ticker;
    /** What a check costs: a thread's processor time, or {@link #ticker} where that cannot be read. */
    private final LongSupplier spentClock;
    /** Per thread: the start of its current second, and the nanoseconds spent checking in it. */
    private final ThreadLocal<long[]> accounts = ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE, 0});

    /** A budget whose seconds are {@code ticker}'s and whose checks cost the time that passes on it. */
    public CheckBudget(Ticker ticker) {
        this(ticker, ticker::read);
    }

    CheckBudget(Ticker ticker, LongSupplier spentClock) {
        this.ticker = ticker;
        this.spentClock = spentClock;
    }

    /**
     * A budget whose seconds are {@code ticker}'s and whose checks cost the processor time of the thread that makes
     * them; the time that passes where the JVM measures no thread's processor time.
     */
    public static CheckBudget ofThreadCpuTime(Ticker ticker) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
            return new CheckBudget(ticker);
        }
        return new CheckBudget(ticker, threads::getCurrentThreadCpuTime);
    }

    /** What {@link #startCheck} gives a thread that has no time left this second. */
    static final long NO_TIME = Long.MIN_VALUE;

    /**
     * The reading of the cost clock now, when this thread may still check a signature in its current second;
     * {@link #NO_TIME} when it may not (a ticker's reading may be negative, so no other value is set aside).
     */
    long startCheck() {
        long now = ticker.read();
        long[] account = accounts.get();
        if (account[0] == Long.MIN_VALUE || now - account[0] >= WINDOW_NANOS) {
            account[0] = now;
            account[1] = 0;
        }
        return account[1] < NANOS_PER_WINDOW ? spentClock.getAsLong() : NO_TIME;
    }

    /** A check that began at {@code startNanos} ({@link #startCheck}) is over. */
    void endCheck(long startNanos) {
        accounts.get()[1] += Math.max(0, spentClock.getAsLong() - startNanos);
    }
}
