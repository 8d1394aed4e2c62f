package dev.rampart.core.proxy;

/**
 * When the request head a client connection awaits began to arrive, which starts its head timer and is the
 * start its 408 or its log line gives: its first bytes, or, on a TLS listener, the start of an unfinished
 * record that may carry them, so that a head trickled inside a record is timed from the record's first byte
 * as a plain head is from its own. Times are ticker times.
 */
final class HeadArrival {

    /** No time: nothing of the head (or of a record that may hold it) has come. */
    static final long NONE = Long.MIN_VALUE;

    private long headStart = NONE;
    private long recordStart = NONE;

    /** Whether no byte of the head has come, though a record that may hold one may have begun. */
    boolean noHeadBytes() {
        return headStart == NONE;
    }

    /** Whether nothing has come at all: no head byte, no record that may hold one. */
    boolean nothing() {
        return headStart == NONE && recordStart == NONE;
    }

    /** Whether an unfinished TLS record may hold the head, no byte of which has been decrypted yet. */
    boolean recordPending() {
        return headStart == NONE && recordStart != NONE;
    }

    /** The head's first bytes came at {@code now}; returns when the head began: its record's start, if earlier. */
    long headBegan(long now) {
        headStart = recordStart != NONE ? recordStart : now;
        return headStart;
    }

    /** An unfinished record that may hold the head began at {@code now}. */
    void recordBegan(long now) {
        recordStart = now;
    }

    /** The records that began are complete and held no head bytes: nothing has come, as before them. */
    void recordsFinished() {
        recordStart = NONE;
    }

    /** When the head's first bytes came, or {@link #NONE}. */
    long headStart() {
        return headStart;
    }

    /** When the head began, or else the record that may hold it; {@link #NONE} when neither did. */
    long start() {
        return headStart != NONE ? headStart : recordStart;
    }

    /** The next request's head is awaited: nothing of it has come. */
    void reset() {
        headStart = NONE;
        recordStart = NONE;
    }
}
