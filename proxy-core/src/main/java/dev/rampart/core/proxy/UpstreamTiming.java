package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.util.concurrent.EventExecutor;

/**
 * The clock of one exchange's upstream side: when its first attempt started and its response head came
 * (the access log's upstream time), when the last part of the response body came, and the
 * {@code server.idle-timeout} that runs between those parts (nginx's {@code proxy_read_timeout} and
 * {@code send_timeout}), whatever the route's own timeout. On the exchange's event loop.
 */
final class UpstreamTiming {

    private final EventExecutor executor;
    private final Ticker ticker;
    private final long idleNanos;
    private final Runnable onStalled;
    private long firstAttemptNanos = -1;
    private long headNanos = -1;
    /** When the last part of the body came (ticker time; 0: none yet). */
    private long lastPartNanos;
    /** Null until the body's first part: a small body arrives with its end, and costs no timer. */
    private LazyDeadline stall;

    UpstreamTiming(EventExecutor executor, Ticker ticker, long idleNanos, Runnable onStalled) {
        this.executor = executor;
        this.ticker = ticker;
        this.idleNanos = idleNanos;
        this.onStalled = onStalled;
    }

    /** An attempt starts at {@code now}; the first one starts the upstream time. */
    void attemptStarted(long now) {
        if (firstAttemptNanos < 0) {
            firstAttemptNanos = now;
        }
    }

    /** The response head came at {@code now}. */
    void headArrived(long now) {
        headNanos = now;
    }

    /** From the first attempt's start to the response head, or -1 when no head arrived. */
    long upstreamNanos() {
        return firstAttemptNanos < 0 || headNanos < 0 ? -1 : headNanos - firstAttemptNanos;
    }

    /** A part of the body came from the upstream: the idle timeout starts over. */
    void bodyPartArrived() {
        lastPartNanos = ticker.read();
        if (stall == null) {
            stall = new LazyDeadline(executor, onStalled);
        }
        stall.arm(idleNanos);
    }

    /** Whether a part of the body came within the last {@code windowNanos}. */
    boolean bodyPartWithin(long windowNanos) {
        return lastPartNanos != 0 && ticker.read() - lastPartNanos < windowNanos;
    }

    /** The body ended, or the exchange did: no more idle timeout. */
    void stop() {
        if (stall != null) {
            stall.cancel();
        }
    }
}
