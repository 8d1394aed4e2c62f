package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.RateLimitConfig;

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
 * known exactly for {@code Retry-After}.
 *
 * <p>Client buckets live in a Caffeine cache. One left alone for {@code burst} intervals is full, the same
 * as no bucket, so it may expire then; it expires {@link #ACCESS_TIME_SLACK_NANOS} later, because Caffeine
 * records an access only when the last one it recorded is over a second old, and a bucket that expired
 * before it was full would hand its client a burst the limit does not allow. At most
 * {@link #MAX_TRACKED_CLIENTS} are kept, and a client whose bucket was evicted for room starts full again,
 * which errs toward letting requests through.
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
        AtomicLong bucket = shared != null ? shared : byClient.get(key, k -> new AtomicLong(EMPTY));
        return take(bucket, ticker.read());
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
            // Compared as a difference, so that a ticker near either end of the long range cannot overflow.
            long start = fullAgain == EMPTY || fullAgain - now < 0 ? now : fullAgain;
            long next = start + interval;
            long ahead = next - now;
            if (ahead > capacity) {
                return ahead - capacity;
            }
            if (bucket.compareAndSet(fullAgain, next)) {
                return 0;
            }
        }
    }
}
