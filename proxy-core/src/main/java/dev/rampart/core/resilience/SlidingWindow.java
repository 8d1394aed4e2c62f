package dev.rampart.core.resilience;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static dev.rampart.core.resilience.Checks.checkArgument;

/**
 * A time-based sliding window of a few counters, lock-free. Time is cut into {@code bucketCount}
 * buckets of {@code bucketNanos}; the window is the current (partial) bucket plus the
 * {@code bucketCount - 1} before it, so it covers between {@code (bucketCount-1)/bucketCount} of the
 * window and all of it. A bucket slot is reused in a ring: a writer that finds the slot holding an
 * older bucket swaps in a fresh one with a CAS, so no thread ever waits for another.
 *
 * <p>Timestamps are passed in (read once per operation by the owner from its ticker) so that one
 * decision sees one instant.
 */
final class SlidingWindow {

    /** One bucket: the epoch (bucket index since the ticker's origin) it counts for, and its counters. */
    static final class Bucket {
        final long epoch;
        final AtomicLongArray counts;

        Bucket(long epoch, int counters) {
            this.epoch = epoch;
            this.counts = new AtomicLongArray(counters);
        }
    }

    private final long bucketNanos;
    private final int bucketCount;
    private final int counters;
    private final AtomicReferenceArray<Bucket> ring;

    SlidingWindow(long windowNanos, int bucketCount, int counters) {
        checkArgument(windowNanos > 0, "windowNanos: %s (expected: > 0)", windowNanos);
        checkArgument(bucketCount >= 1, "bucketCount: %s (expected: >= 1)", bucketCount);
        checkArgument(counters >= 1, "counters: %s (expected: >= 1)", counters);
        this.bucketNanos = Math.max(1, windowNanos / bucketCount);
        this.bucketCount = bucketCount;
        this.counters = counters;
        this.ring = new AtomicReferenceArray<>(bucketCount);
    }

    long epochOf(long nowNanos) {
        return Math.floorDiv(nowNanos, bucketNanos);
    }

    /** The bucket that counts for {@code nowNanos}, installing a fresh one over a stale slot. */
    Bucket current(long nowNanos) {
        long epoch = epochOf(nowNanos);
        int slot = (int) Math.floorMod(epoch, (long) bucketCount);
        for (;;) {
            Bucket bucket = ring.get(slot);
            if (bucket != null && bucket.epoch == epoch) {
                return bucket;
            }
            if (bucket != null && bucket.epoch > epoch) {
                // This thread read the ticker a whole window ago and was descheduled since: its event
                // belongs to a bucket that no longer exists. Count it nowhere rather than corrupt a live one.
                return new Bucket(epoch, counters);
            }
            Bucket fresh = new Bucket(epoch, counters);
            if (ring.compareAndSet(slot, bucket, fresh)) {
                return fresh;
            }
        }
    }

    /** Adds one to {@code counter} in the bucket for {@code nowNanos}. */
    void increment(long nowNanos, int counter) {
        current(nowNanos).counts.incrementAndGet(counter);
    }

    /** Sum of {@code counter} over the window ending at {@code nowNanos}. */
    long sum(long nowNanos, int counter) {
        return sumExcept(nowNanos, counter, null);
    }

    /** Sums of every counter over the window ending at {@code nowNanos}, indexed like the counters. */
    long[] sums(long nowNanos) {
        long epoch = epochOf(nowNanos);
        long[] totals = new long[counters];
        for (int i = 0; i < bucketCount; i++) {
            Bucket bucket = ring.get(i);
            if (isLive(bucket, epoch)) {
                for (int c = 0; c < counters; c++) {
                    totals[c] += bucket.counts.get(c);
                }
            }
        }
        return totals;
    }

    /**
     * Sum of {@code counter} over the window ending at {@code nowNanos}, leaving out {@code excluded};
     * a caller that wants to CAS the current bucket adds the value it read from it itself.
     */
    long sumExcept(long nowNanos, int counter, Bucket excluded) {
        long epoch = epochOf(nowNanos);
        long total = 0;
        for (int i = 0; i < bucketCount; i++) {
            Bucket bucket = ring.get(i);
            if (bucket != excluded && isLive(bucket, epoch)) {
                total += bucket.counts.get(counter);
            }
        }
        return total;
    }

    /** Forgets everything counted so far. */
    void clear() {
        for (int i = 0; i < bucketCount; i++) {
            ring.set(i, null);
        }
    }

    private boolean isLive(Bucket bucket, long nowEpoch) {
        return bucket != null && bucket.epoch <= nowEpoch && bucket.epoch > nowEpoch - bucketCount;
    }
}
