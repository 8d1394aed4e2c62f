package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.RateLimitConfig;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * A route's {@code rate-limit}: a token bucket of {@code burst} requests refilled at {@code requests-per-second},
 * one for the route or one for each client address.
 *
 * <p>A bucket is a single number, the time at which it would be full again were nothing more taken (the
 * generic cell rate algorithm): taking a token moves that time on by one interval, and a request is refused
 * when that would put it more than {@code burst} intervals ahead of now. So a bucket is one {@link AtomicLong}
 * updated by compare-and-set, with no lock between the event loops, and the wait until the next token is
 * known exactly for {@code Retry-After}. (A request charged to several buckets also takes their monitors: see
 * below.)
 *
 * <p>Client buckets live in a Caffeine cache. One left alone for {@code burst} intervals is full, the same
 * as no bucket, so it may expire then; it expires {@link #ACCESS_TIME_SLACK_NANOS} later, because Caffeine
 * records an access only when the last one it recorded is over a second old, and a bucket that expired
 * before it was full would hand its client a burst the limit does not allow. At most
 * {@link #MAX_TRACKED_CLIENTS} are kept, and a client whose bucket was evicted for room starts full again,
 * which errs toward letting requests through.
 *
 * <p>A request charged to several buckets ({@link #tryAcquireAll}) is all or nothing: it goes only if every one
 * has a token, and takes one from each; refused, it takes none, so that naming someone else's key beside an
 * empty one cannot drain theirs. See {@link #tryAcquireAll} for how that holds between event loops.
 */
public final class RateLimiter {

    static final long MAX_TRACKED_CLIENTS = 100_000;
    /**
     * How long after the access Caffeine last recorded an entry may have been read again: an access within a
     * second of the recorded one is not recorded (its expiry tolerance, for expiry times over a second), so an
     * entry may expire up to this much sooner than its expiry after the real last access.
     */
    static final long ACCESS_TIME_SLACK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long EMPTY = Long.MIN_VALUE;

    private final Ticker ticker;
    /** Nanoseconds per token. */
    private final long interval;
    /** How far ahead of now a bucket's full-again time may be: {@code burst} intervals. */
    private final long capacity;
    /** The route's bucket when it has one for all clients, else null. */
    private final AtomicLong shared;
    /** The clients' buckets when each has its own, else null. */
    private final Cache<String, AtomicLong> byClient;
    /** The request header whose value keys a bucket, or null when the client address (or nothing) does. */
    private final String keyHeader;

    public RateLimiter(RateLimitConfig config, Ticker ticker) {
        checkNotNull(config, "config");
        this.ticker = checkNotNull(ticker, "ticker");
        this.interval = Math.max(1, Math.round(TimeUnit.SECONDS.toNanos(1) / config.requestsPerSecond()));
        this.capacity = Math.multiplyExact(interval, (long) config.burst());
        this.keyHeader = config.header().orElse(null);
        if (config.per() == RateLimitConfig.Per.ROUTE) {
            this.shared = new AtomicLong(EMPTY);
            this.byClient = null;
        } else {
            this.shared = null;
            this.byClient = Caffeine.newBuilder()
                    .ticker(ticker)
                    .expireAfterAccess(Math.addExact(capacity, ACCESS_TIME_SLACK_NANOS), TimeUnit.NANOSECONDS)
                    .maximumSize(MAX_TRACKED_CLIENTS)
                    .build();
        }
    }

    /** The request header whose value names a request's bucket; null when its client address does, or none. */
    public String keyHeader() {
        return keyHeader;
    }

    /**
     * Takes a token for a request whose bucket is {@code key}: its client address, or what
     * {@code RateLimitKey} made of its {@link #keyHeader}. Ignored for a route's shared bucket.
     *
     * @return 0 when the request may go; else how many nanoseconds until it could (always > 0)
     */
    public long tryAcquire(String key) {
        return take(bucketOf(key), ticker.read());
    }

    /**
     * Takes a token from each of a request's buckets ({@code RateLimitKey}'s keys, each one once), or from none:
     * the request goes only if every bucket has a token for it.
     *
     * <p>One key (the usual case, and every route bucket) is {@link #tryAcquire}, lock-free and with nothing
     * allocated. Several keys are first checked without taking anything or locking anything: a request with an
     * empty bucket among them (a client naming someone else's key beside an exhausted one) is refused there,
     * having written nothing. Else the request takes the monitors of its buckets in the order of their keys (so
     * that two requests cannot each hold what the other waits for) and takes a token from each. A bucket may have
     * been emptied since the check, by another request; the request is then refused and gives back what it took
     * (see {@link #giveBack}, and why that never lets more through). Until it has, a request naming one of those
     * buckets alone may be refused for the token about to come back: a window of a few compare-and-sets, only
     * when requests race for a bucket's last tokens, that refuses too much and never lets too much through.
     *
     * <p>The monitors are there so that only one request at a time gives back to a bucket, which is what makes a
     * give-back safe (see {@link #giveBack}): with two give-backs at once, one could hand back refill the other's
     * take already counted, and let through a request the bucket had no token for. They are held for a few
     * compare-and-sets, never across I/O (as the cache's own bin locks are); a request with one key never waits
     * on them, and one refused at the check never takes them.
     *
     * @return 0 when the request may go; else the longest wait, in nanoseconds, among its empty buckets (> 0)
     */
    public long tryAcquireAll(List<String> keys) {
        if (shared != null || keys.size() == 1) {
            return tryAcquire(keys.get(0));
        }
        String[] ordered = keys.toArray(new String[0]);
        Arrays.sort(ordered);
        AtomicLong[] buckets = new AtomicLong[ordered.length];
        for (int i = 0; i < ordered.length; i++) {
            buckets[i] = bucketOf(ordered[i]);
        }
        long wait = longestWait(buckets, 0, ticker.read());
        return wait > 0 ? wait : lockedFrom(buckets, 0);
    }

    /** Holds the monitors of {@code buckets[from..]}, in order, and takes from all of them or none. */
    private long lockedFrom(AtomicLong[] buckets, int from) {
        if (from == buckets.length) {
            return takeFromAll(buckets);
        }
        synchronized (buckets[from]) {
            return lockedFrom(buckets, from + 1);
        }
    }

    /** With the monitors of all of {@code buckets} held: a token from each, or none and the longest wait. */
    private long takeFromAll(AtomicLong[] buckets) {
        long now = ticker.read();
        long[] after = new long[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            for (;;) {
                long fullAgain = buckets[i].get();
                long next = nextFullAgain(fullAgain, now);
                if (next - now > capacity) {
                    // Emptied since the check.
                    for (int j = 0; j < i; j++) {
                        giveBack(buckets[j], after[j]);
                    }
                    return longestWait(buckets, i, now);
                }
                if (buckets[i].compareAndSet(fullAgain, next)) {
                    after[i] = next;
                    break;
                }
            }
        }
        return 0;
    }

    /** The longest wait for a token among {@code buckets[from..]} at {@code now}, taking none; 0 if none is empty. */
    private long longestWait(AtomicLong[] buckets, int from, long now) {
        long longest = 0;
        for (int i = from; i < buckets.length; i++) {
            longest = Math.max(longest, nextFullAgain(buckets[i].get(), now) - now - capacity);
        }
        return longest;
    }

    /**
     * Undoes a take of this limiter's that moved {@code bucket}'s full-again time to {@code after}, as far as can be
     * done without letting through more than a bucket that never saw that take would. The caller holds the
     * bucket's monitor since before that take, and only a request holding it gives back, so what came between was
     * takes by requests with one key and nothing else: they only move the full-again time on.
     *
     * <p>Each take that came between began from a full-again time of at least {@code after} and read a time no
     * later than {@code now} (read after the bucket: every take the bucket shows read its time first), so it found
     * the bucket at least {@code after - now} in debt. A take adds one interval to the debt it finds, or starts
     * from none; so were the undone take never made, each would have found the bucket less in debt by at most one
     * interval, and by at least {@code min(interval, after - now)}, and left it so. That much is given back, and no
     * more: the bucket is then at least as far in debt as it would have been, so no request is let through that
     * would not have been. With nothing between, that is the whole take (or, when less, the bucket is full now
     * either way). What is not given back is at most the refill of the time since the take (nanoseconds of a token),
     * and only when requests with one key took from the bucket in between.
     */
    void giveBack(AtomicLong bucket, long after) {
        for (;;) {
            long fullAgain = bucket.get();
            long owed = Math.min(interval, after - ticker.read());
            if (owed <= 0 || bucket.compareAndSet(fullAgain, fullAgain - owed)) {
                return;
            }
        }
    }

    /** The bucket of {@code key} (the route's one bucket, or the key's, made if it is not kept). */
    AtomicLong bucketOf(String key) {
        return shared != null ? shared : byClient.get(key, k -> new AtomicLong(EMPTY));
    }

    /** How many client buckets are kept (those not full yet); 0 for a route bucket. For tests: it sweeps the cache. */
    long trackedClients() {
        if (byClient == null) {
            return 0;
        }
        byClient.cleanUp();
        return byClient.estimatedSize();
    }

    private long take(AtomicLong bucket, long now) {
        for (;;) {
            long fullAgain = bucket.get();
            long next = nextFullAgain(fullAgain, now);
            long ahead = next - now;
            if (ahead > capacity) {
                return ahead - capacity;
            }
            if (bucket.compareAndSet(fullAgain, next)) {
                return 0;
            }
        }
    }

    /** When a bucket at {@code fullAgain} would be full again were a token taken from it at {@code now}. */
    private long nextFullAgain(long fullAgain, long now) {
        // Compared as a difference, so that a ticker near either end of the long range cannot overflow.
        long start = fullAgain == EMPTY || fullAgain - now < 0 ? now : fullAgain;
        return start + interval;
    }
}
