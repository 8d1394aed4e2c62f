package dev.rampart.core.proxy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells the operator the process ran out of file descriptors, which the client only sees as 503
 * UPSTREAM_OVERLOADED: once a second at most, however many requests hit it meanwhile, from any event loop.
 */
final class DescriptorShortage {

    private static final Logger log = LoggerFactory.getLogger(DescriptorShortage.class);
    private static final long EVERY_NANOS = 1_000_000_000L;
    private static final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

    private DescriptorShortage() {
    }

    /** Logs {@code cause} as a shortage unless one was logged within the last second of {@code nowNanos}. */
    static void warn(long nowNanos, Throwable cause) {
        long last = lastWarning.get();
        if ((last == Long.MIN_VALUE || nowNanos - last >= EVERY_NANOS) && lastWarning.compareAndSet(last, nowNanos)) {
            log.warn("out of file descriptors: requests are answered 503 UPSTREAM_OVERLOADED until some close;"
                    + " raise the open-files limit (ulimit -n) or lower server.max-connections ({})", cause.toString());
        }
    }
}
