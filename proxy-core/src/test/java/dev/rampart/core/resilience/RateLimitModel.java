package dev.rampart.core.resilience;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * docs/configuration.md's {@code rate-limit} written out plainly, for {@link RateLimiterModelTest}: a bucket is a
 * count of tokens (held as nanoseconds of refill, so that it stays exact) that grows by one token per
 * {@code period} of time up to {@code burst}; a request goes when each of its buckets holds a whole token, and then
 * takes one from each; a refused one takes nothing and waits until every one of its buckets holds a token. A
 * bucket never seen, or not seen since it filled up, is full. One bucket for the route with {@code per = route},
 * whatever the keys.
 *
 * <p>Deliberately not the limiter's shape (a full-again time per bucket), so that the two check each other.
 */
final class RateLimitModel {

    private static final class Bucket {
        /** Refill held, in nanoseconds: {@code period} of it is one token. */
        long credit;
        /** When {@code credit} was last brought up to date. */
        long at;
    }

    private final long period;
    private final long capacity;
    private final boolean shared;
    private final Map<String, Bucket> buckets = new HashMap<>();

    /** @param period nanoseconds for one token to come back */
    RateLimitModel(long period, int burst, boolean shared) {
        this.period = period;
        this.capacity = Math.multiplyExact(period, (long) burst);
        this.shared = shared;
    }

    /** @return 0 when the request goes; else the nanoseconds until every one of its buckets has a token */
    long request(List<String> keys, long now) {
        List<String> charged = shared ? List.of("") : keys;
        long wait = 0;
        for (String key : charged) {
            Bucket bucket = refilled(key, now);
            wait = Math.max(wait, Math.max(0, period - bucket.credit));
        }
        if (wait > 0) {
            return wait;
        }
        for (String key : charged) {
            buckets.get(key).credit -= period;
        }
        return 0;
    }

    /** Whole tokens {@code key}'s bucket holds at {@code now}, taking none. */
    long tokens(String key, long now) {
        return credit(shared ? "" : key, now) / period;
    }

    /** Nanoseconds from {@code now} until {@code key}'s bucket is full again (0 when full). */
    long untilFull(String key, long now) {
        return capacity - credit(shared ? "" : key, now);
    }

    /** How many buckets are not full at {@code now}: each must still be kept, or its client would get a burst. */
    long notFull(long now) {
        if (shared) {
            return 0;
        }
        return buckets.keySet().stream().filter(key -> refilled(key, now).credit < capacity).count();
    }

    long capacity() {
        return capacity;
    }

    private long credit(String key, long now) {
        return buckets.containsKey(key) ? refilled(key, now).credit : capacity;
    }

    private Bucket refilled(String key, long now) {
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            bucket = new Bucket();
            bucket.credit = capacity;
            buckets.put(key, bucket);
        } else {
            long elapsed = now - bucket.at;
            bucket.credit = elapsed >= capacity - bucket.credit ? capacity : bucket.credit + elapsed;
        }
        bucket.at = now;
        return bucket;
    }
}
