package dev.rampart.core.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded waiting for something another thread does after the response the test already holds (an
 * upstream that reads the body after answering, a log line written after the last byte). A test that
 * asserted such a thing at once would race; one that slept a fixed time would be slow and still race.
 */
public final class Await {

    private static final long DEFAULT_TIMEOUT_SECONDS = 10;

    private Await() {
    }

    /** Polls {@code condition} until it holds; fails with {@code what} after 10 s. */
    public static void until(BooleanSupplier condition, String what) {
        until(condition, () -> what);
    }

    /** As {@link #until(BooleanSupplier, String)}, the failure told by what {@code what} says when it fails. */
    public static void until(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEFAULT_TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + DEFAULT_TIMEOUT_SECONDS + " s waiting for: " + what.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what.get(), e);
            }
        }
    }
}
