package dev.rampart.core.testing;

import com.github.benmanes.caffeine.cache.Ticker;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The system ticker, except that once armed, its next read on a proxy event loop throws: a bug planted
 * at a moment the test chooses, in a place no observer reaches.
 */
public final class FailingOnceTicker implements Ticker {

    public static final String MESSAGE = "ticker bug";

    /** Event-loop reads to let through before the one that throws; -1: none will throw. */
    private final AtomicInteger readsBeforeFailure = new AtomicInteger(-1);
    /** What the failing read throws instead of the bug: an error of the process, such as running out of memory. */
    private volatile Error error;

    public void failNextReadOnAnEventLoop() {
        failReadOnAnEventLoopAfter(0);
    }

    /** The next read on an event loop throws {@code thrown}. */
    public void failNextReadOnAnEventLoopWith(Error thrown) {
        error = thrown;
        failReadOnAnEventLoopAfter(0);
    }

    /** Lets {@code reads} reads on an event loop through, then throws on the next one. */
    public void failReadOnAnEventLoopAfter(int reads) {
        readsBeforeFailure.set(reads);
    }

    @Override
    public long read() {
        if (Thread.currentThread().getName().startsWith("test-proxy")
                && readsBeforeFailure.getAndUpdate(n -> n >= 0 ? n - 1 : n) == 0) {
            Error thrown = error;
            if (thrown != null) {
                throw thrown;
            }
            throw new IllegalStateException(MESSAGE);
        }
        return System.nanoTime();
    }
}
