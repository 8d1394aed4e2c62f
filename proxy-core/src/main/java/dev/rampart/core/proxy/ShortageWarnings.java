package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One proxy's warnings of a {@link ResourceShortage}: at most one a second per kind, however many requests hit it
 * meanwhile, from any event loop, and without a stack trace, which says nothing here and would flood the log.
 * Held per proxy and carried across reloads, so that two proxies in one process (the tests') neither silence nor
 * double each other's.
 */
final class ShortageWarnings {

    private static final Logger log = LoggerFactory.getLogger(ResourceShortage.class);
    private static final long EVERY_NANOS = 1_000_000_000L;
    private static final long NEVER = Long.MIN_VALUE;

    private final Ticker ticker;
    /** When each kind, by ordinal, was last warned of; {@link #NEVER} before the first. */
    private final AtomicLongArray lastWarning = new AtomicLongArray(ResourceShortage.values().length);

    ShortageWarnings(Ticker ticker) {
        this.ticker = ticker;
        for (int i = 0; i < lastWarning.length(); i++) {
            lastWarning.set(i, NEVER);
        }
    }

    /**
     * Reports a failure inside the proxy: running out of memory as a shortage ({@link ResourceShortage#MEMORY}),
     * anything else as the bug it is, at ERROR on {@code bugLog} with its stack trace. Returns whether it was a
     * shortage.
     */
    boolean reportFailure(Logger bugLog, String requestId, Throwable failure) {
        if (ResourceShortage.isMemory(failure)) {
            warn(ResourceShortage.MEMORY, failure);
            return true;
        }
        bugLog.error("request {}: unexpected failure inside the proxy", requestId, failure);
        return false;
    }

    /** Logs {@code cause} as a shortage of {@code kind} unless one of this kind was logged within the last second. */
    void warn(ResourceShortage kind, Throwable cause) {
        log.debug("short of {}", kind, cause); // where each one struck, for whoever turns debug on
        long now = ticker.read();
        int slot = kind.ordinal();
        long last = lastWarning.get(slot);
        if ((last == NEVER || now - last >= EVERY_NANOS) && lastWarning.compareAndSet(slot, last, now)) {
            log.warn(kind.message(), cause.toString());
        }
    }
}
