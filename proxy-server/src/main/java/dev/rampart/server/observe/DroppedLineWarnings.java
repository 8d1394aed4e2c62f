package dev.rampart.server.observe;

import com.github.benmanes.caffeine.cache.Ticker;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Warns of the lines a {@link BatchingAsyncAppender} dropped while its drain thread cannot tell of them: that
 * thread reports the drops it finds after each drain, but a drain stuck in a write to a stdout nobody reads (a
 * stalled log shipper) ends only when stdout moves again, and until then the queue drops line after line without
 * a word on the application log. So a thread of its own, which never writes the appender's output, takes the
 * drops not yet reported: the first about {@link #FIRST_AFTER_NANOS a second} after the first drop (a drain
 * that is merely slow has usually told of them by then), then at most one line every {@link #EVERY_NANOS 10 s}
 * (as the proxy's other warnings of floods are spaced) for as long as lines keep being dropped. Drops are
 * taken from the count the drain reports from, so each is told once, by whichever takes it first.
 *
 * <p>It looks every {@link #CHECK_EVERY_MILLIS} only while drops wait to be told, so a proxy that drops
 * nothing schedules nothing; when a warning is due is read from the ticker.
 */
final class DroppedLineWarnings {

    static final long CHECK_EVERY_MILLIS = 1_000;
    static final long FIRST_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final AtomicLong unreported;
    private final LongConsumer warn;
    private final Ticker ticker;
    private final ScheduledExecutorService checker;
    private final AtomicBoolean checking = new AtomicBoolean();
    /** The ticker's time from which the next warning may be logged. */
    private final AtomicLong nextWarningAt;

    /**
     * Warns through {@code warn} of the count in {@code unreported}, which it takes (sets to zero), as the drain
     * thread does.
     */
    DroppedLineWarnings(String threadName, AtomicLong unreported, LongConsumer warn, Ticker ticker) {
        this.unreported = unreported;
        this.warn = warn;
        this.ticker = ticker;
        this.nextWarningAt = new AtomicLong(ticker.read());
        this.checker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A line was dropped and counted in the count given at construction; called from the logging threads. */
    void dropped() {
        if (checking.compareAndSet(false, true)) {
            long now = ticker.read();
            nextWarningAt.accumulateAndGet(now + FIRST_AFTER_NANOS, Math::max);
            scheduleCheck();
        }
    }

    private void scheduleCheck() {
        try {
            checker.schedule(this::check, CHECK_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            checking.set(false); // the appender's stop reports what is left
        }
    }

    private void check() {
        long now = ticker.read();
        if (now - nextWarningAt.get() >= 0) {
            long dropped = unreported.getAndSet(0);
            if (dropped > 0) {
                warn.accept(dropped);
                nextWarningAt.set(now + EVERY_NANOS);
            }
        }
        if (unreported.get() > 0) {
            scheduleCheck();
            return;
        }
        checking.set(false);
        // A line dropped between the look above and the flag's reset found the checks still on: look after it too.
        if (unreported.get() > 0 && checking.compareAndSet(false, true)) {
            scheduleCheck();
        }
    }

    /** Stops the checks; drops not yet told are left to the appender's stop. */
    void stop() {
        checker.shutdownNow();
    }
}
