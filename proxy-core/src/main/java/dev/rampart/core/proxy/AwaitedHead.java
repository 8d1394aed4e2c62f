package dev.rampart.core.proxy;

/**
 * Whether a client connection awaits a request head, and when that head began to arrive, which starts its
 * head timer and is the start its 408 or its log line gives: its first bytes, or, on a TLS listener, the
 * start of an unfinished record that may carry them, so that a head trickled inside a record is timed from
 * the record's first byte as a plain head is from its own. Starts and stops the head timer as it learns
 * of the head's bytes. Times are ticker times.
 */
final class AwaitedHead {

    /** No time: nothing of the head (or of a record that may hold it) has come. */
    static final long NONE = Long.MIN_VALUE;

    private final ProxyRuntime runtime;
    /** The connection's timers, once it is active. */
    private ClientConnectionTimers timers;
    private boolean awaited = true;
    private long headStart = NONE;
    private long recordStart = NONE;

    AwaitedHead(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    void useTimers(ClientConnectionTimers connectionTimers) {
        this.timers = connectionTimers;
    }

    /** Head bytes reached the decoder (the {@link RequestHeadGuard} tells): a request's first starts its head timer. */
    void bytesReceived() {
        if (awaitedWithNoBytes()) {
            long now = runtime.current().ticker().read();
            headStart = recordStart != NONE ? recordStart : now; // its TLS record's start, when that came in parts
            long timeout = runtime.current().config().server().requestHeaderTimeout().toNanos();
            timers.armHead(timeout - (now - headStart));
        }
    }

    /** Part of a TLS record came, which may hold the awaited head: its timer starts now (see {@link TlsRecordProgress}). */
    void unfinishedTlsRecord() {
        if (awaitedWithNothing() && timers != null) {
            recordStart = runtime.current().ticker().read();
            timers.armHeadBesideIdle(runtime.current().config().server().requestHeaderTimeout().toNanos());
        }
    }

    /** The client's TLS records are complete; if they held no head bytes, the connection is idle as before. */
    void tlsRecordsFinished() {
        if (recordPending() && timers != null) {
            recordStart = NONE;
            timers.disarmHead();
        }
    }

    /** Whether a request head is awaited: the connection is before its first request or between two. */
    boolean awaited() {
        return awaited;
    }

    /** Whether a head is awaited and no byte of it has come, though a record that may hold one may have begun. */
    boolean awaitedWithNoBytes() {
        return awaited && headStart == NONE;
    }

    /** Whether a head is awaited and nothing has come at all: no head byte, no record that may hold one. */
    boolean awaitedWithNothing() {
        return awaitedWithNoBytes() && recordStart == NONE;
    }

    /** Whether an unfinished TLS record may hold the awaited head, no byte of which has been decrypted yet. */
    boolean recordPending() {
        return awaitedWithNoBytes() && recordStart != NONE;
    }

    /** When the head's first bytes came, or {@link #NONE}. */
    long headStart() {
        return headStart;
    }

    /** When the head began, or else the record that may hold it; {@link #NONE} when neither did. */
    long start() {
        return headStart != NONE ? headStart : recordStart;
    }

    /** The head came whole: none is awaited until its request is done. */
    void arrived() {
        awaited = false;
        headStart = NONE;
        recordStart = NONE;
    }

    /** The request is done: the next one's head is awaited, nothing of it counted yet. */
    void awaitNext() {
        awaited = true;
    }

    /** No head is awaited any more: the connection is closing, or what came was answered. */
    void stopAwaiting() {
        awaited = false;
    }

    /**
     * Stops awaiting the head; returns whether part of one had come, which the caller then answers or logs,
     * once: the close that follows does not report it again.
     */
    boolean giveUp() {
        boolean partial = awaited && headStart != NONE;
        awaited = false;
        return partial;
    }
}
