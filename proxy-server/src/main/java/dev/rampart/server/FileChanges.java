package dev.rampart.server;

import java.util.function.LongSupplier;

/**
 * The config file's changes as {@link ConfigFileWatch}'s event thread sees them, handed to the thread that reloads:
 * how many there were, when the last was seen and why. Stamped as the events arrive, not when a reload gets round
 * to them, so that a reload begun after the stamp (a SIGHUP) is known to have read the change even when the watch
 * was busy reading the edit before.
 */
final class FileChanges {

    private final LongSupplier now;
    private int seen;
    private long lastSeenNanos;
    private String why = "file changed";
    private boolean closed;

    /** @param now what a change is stamped with: what stamps the start of reads too ({@link ConfigReloader#now}) */
    FileChanges(LongSupplier now) {
        this.now = now;
    }

    /** A change seen now: stamped after the watch looks out for the next (see {@link ConfigFileWatch}). */
    synchronized void record(String why) {
        lastSeenNanos = now.getAsLong();
        this.why = why;
        seen++;
        notifyAll();
    }

    synchronized int seen() {
        return seen;
    }

    /** Why the last change reloads: an edit, or the directory replaced. */
    synchronized String why() {
        return why;
    }

    /** How many changes had been seen at a moment, and when the last of them was. */
    record Seen(int count, long lastNanos) {
    }

    /**
     * Waits up to {@code waitNanos} (real time: it is a wait, not an order) for a change after the first
     * {@code handled}; returns the changes seen then (as many as {@code handled} when none came), or null once
     * closed. The count and the stamp are taken together: a reload stands for the changes it counts, and for no
     * later one.
     */
    synchronized Seen awaitAfter(int handled, long waitNanos) throws InterruptedException {
        long until = System.nanoTime() + waitNanos;
        long left = waitNanos;
        while (seen == handled && !closed && left > 0) {
            wait(Math.max(1, left / 1_000_000));
            left = until - System.nanoTime();
        }
        return closed ? null : new Seen(seen, lastSeenNanos);
    }

    /** Ends every wait, now and later. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
