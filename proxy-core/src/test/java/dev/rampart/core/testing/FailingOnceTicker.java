package dev.rampart.core.testing;

import com.github.benmanes.caffeine.cache.Ticker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The system ticker, except that once armed, its next read on a proxy event loop throws: a bug planted
 * at a moment the test chooses, in a place no observer reaches.
 */
public final class FailingOnceTicker implements Ticker {

    private static final StackWalker CALLERS = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    public static final String MESSAGE = "ticker bug";

    /** Event-loop reads to let through before the one that throws; -1: none will throw. */
    private final AtomicInteger readsBeforeFailure = new AtomicInteger(-1);
    /** When set, the next event-loop read made by this class throws, whatever the count says. */
    private final AtomicReference<Class<?>> failingCaller = new AtomicReference<>();
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

    /**
     * The next read on an event loop made by {@code caller} throws. Unlike a count of reads, it does not depend on
     * which work the loops do meanwhile: a connection given back to the pool, a breaker or a budget counting the
     * request before, each read the ticker at moments a test cannot order against its own next request.
     */
    public void failNextReadBy(Class<?> caller) {
        failingCaller.set(caller);
    }

    @Override
    public long read() {
        if (Thread.currentThread().getName().startsWith("test-proxy") && (armedFor(CALLERS.getCallerClass())
                || readsBeforeFailure.getAndUpdate(n -> n >= 0 ? n - 1 : n) == 0)) {
            Error thrown = error;
            if (thrown != null) {
                throw thrown;
            }
            throw new IllegalStateException(MESSAGE);
        }
        return System.nanoTime();
    }

    private boolean armedFor(Class<?> caller) {
        Class<?> armed = failingCaller.get();
        return armed != null && armed == caller && failingCaller.compareAndSet(armed, null);
    }
}
