package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The clock of one exchange's upstream side: when its first attempt started and its response head came
 * (the access log's upstream time), and when the last part of the response body came. On the exchange's
 * event loop.
 */
final class UpstreamTiming {

    private final Ticker ticker;
    private long firstAttemptNanos = -1;
    private long headNanos = -1;
    /** When the last head that was retried came (ticker time; -1: none). */
    private long retriedHeadNanos = -1;
    /** When the last part of the body came (ticker time; 0: none yet). */
    private long lastPartNanos;

    UpstreamTiming(Ticker ticker) {
        this.ticker = ticker;
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

    /**
     * The head that came was retried, not used: the upstream time runs on to the head of a later attempt,
     * and is none if no later head comes (the attempts after it reset or timed out).
     */
    void headRetried() {
        retriedHeadNanos = headNanos;
        headNanos = -1;
    }

    /**
     * The client gets the last retried head's status after all (its retry could not connect, or no endpoint
     * admitted it): that head is the one used, and the upstream time runs to it.
     */
    void retriedHeadUsed() {
        if (headNanos < 0) {
            headNanos = retriedHeadNanos;
        }
    }

    /** From the first attempt's start to the response head, or -1 when no head arrived. */
    long upstreamNanos() {
        return firstAttemptNanos < 0 || headNanos < 0 ? -1 : headNanos - firstAttemptNanos;
    }

    /** A part of the body came from the upstream. */
    void bodyPartArrived() {
        lastPartNanos = ticker.read();
    }

    /** Whether a part of the body came within the last {@code windowNanos}. */
    boolean bodyPartWithin(long windowNanos) {
        return lastPartNanos != 0 && ticker.read() - lastPartNanos < windowNanos;
    }
}
