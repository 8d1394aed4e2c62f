package dev.rampart.core.proxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells the operator the process ran short of something it needs for every request, which the client only
 * sees as 503 UPSTREAM_OVERLOADED (retryable: the shortage passes as requests end, or another instance has
 * room): once a second at most per kind, however many requests hit it meanwhile, from any event loop, and
 * without a stack trace, which says nothing here and would flood the log.
 */
enum ResourceShortage {

    FILE_DESCRIPTORS("out of file descriptors: requests are answered 503 UPSTREAM_OVERLOADED until some close;"
            + " raise the open-files limit (ulimit -n) or lower server.max-connections ({})"),
    MEMORY("out of memory for request and response buffers: requests are answered 503 UPSTREAM_OVERLOADED"
            + " until some end; give the process more direct memory (-XX:MaxDirectMemorySize, or a larger"
            + " container), or lower server.max-replay-memory or server.max-connections ({})");

    private static final Logger log = LoggerFactory.getLogger(ResourceShortage.class);
    private static final long EVERY_NANOS = 1_000_000_000L;

    private final String message;
    private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

    ResourceShortage(String message) {
        this.message = message;
    }

    /** Whether {@code failure} is the process running out of memory rather than a bug. */
    static boolean isMemory(Throwable failure) {
        return failure instanceof OutOfMemoryError;
    }

    /**
     * Reports a failure inside the proxy: running out of memory as a shortage ({@link #MEMORY}), anything else
     * as the bug it is, at ERROR with its stack trace. Returns whether it was a shortage.
     */
    static boolean reportFailure(Logger log, String requestId, Throwable failure, long nowNanos) {
        if (isMemory(failure)) {
            MEMORY.warn(nowNanos, failure);
            return true;
        }
        log.error("request {}: unexpected failure inside the proxy", requestId, failure);
        return false;
    }

    /** Logs {@code cause} as a shortage unless one of this kind was logged within the last second of {@code nowNanos}. */
    void warn(long nowNanos, Throwable cause) {
        log.debug("short of {}", this, cause); // where each one struck, for whoever turns debug on
        long last = lastWarning.get();
        if ((last == Long.MIN_VALUE || nowNanos - last >= EVERY_NANOS) && lastWarning.compareAndSet(last, nowNanos)) {
            log.warn(message, cause.toString());
        }
    }
}
