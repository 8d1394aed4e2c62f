package dev.rampart.core.testing;

import com.github.benmanes.caffeine.cache.Ticker;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The system ticker, except that once armed, its next read on a proxy event loop throws: a bug planted
 * at a moment the test chooses, in a place no observer reaches.
 */
public final class FailingOnceTicker implements Ticker {

    public static final String MESSAGE = "ticker bug";

    private final AtomicBoolean armed = new AtomicBoolean();

    public void failNextReadOnAnEventLoop() {
        armed.set(true);
    }

    @Override
    public long read() {
        if (Thread.currentThread().getName().startsWith("test-proxy") && armed.compareAndSet(true, false)) {
            throw new IllegalStateException(MESSAGE);
        }
        return System.nanoTime();
    }
}
