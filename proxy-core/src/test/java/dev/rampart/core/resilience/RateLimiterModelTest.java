package dev.rampart.core.resilience;

import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.config.RateLimitConfig.Per;
import dev.rampart.core.testing.ModelSeeds;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of random request sequences sent to the route limiters ({@link RateLimiters}, as a reload keeps or
 * replaces them) and to {@link RateLimitModel}, the documented token bucket written out plainly, compared on every
 * request: granted or refused, and the exact wait a refusal reports (which {@code Retry-After} rounds up to whole
 * seconds). Requests name one key or several (all or nothing), from a small pool so that they share buckets; time
 * moves by random amounts and by exactly the instants that matter: a refusal's wait, a bucket's refill to full, the
 * cache's expiry of a full bucket, give or take a nanosecond; and by long idles and jumps of years. Rates run from
 * 0.001 to 1,000,000 a second, bursts from 1 to 1,000,000; the ticker starts anywhere, near the ends of the long
 * range too. Also checked on every step: a refused request's {@code Retry-After}, obeyed, is granted; no key is
 * granted more than {@code burst} plus one per period over any stretch of time; every bucket that is not full is
 * still kept (the cache forgets only full ones). Deterministic by seed; a failure names the seed, the step,
 * the config and the last events.
 */
class RateLimiterModelTest {

    private static final int SEQUENCES = 2_000;
    private static final int STEPS = 200;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final String ROUTE = "limited";

    @Test
    void limiterAgreesWithTheDocumentedTokenBucketOverRandomSequences() {
        long base = ModelSeeds.first();
        for (int i = 0; i < SEQUENCES; i++) {
            new Sequence(base + i).run();
        }
    }

    private static final class EndOfTime extends RuntimeException {
        EndOfTime() {
            super(null, null, false, false);
        }
    }

    /** One seeded sequence: its limiter, its model, and what has been granted to each key so far. */
    private static final class Sequence {
        private final long seed;
        private final SplittableRandom random;
        private final FakeTicker ticker;
        private final RateLimiters limiters;
        private final Deque<String> trace = new ArrayDeque<>();
        private final Map<String, Deque<Long>> grantTimes = new HashMap<>();
        private RateLimitConfig config;
        private RateLimitModel model;
        private long period;
        private List<String> pool;
        private int step;
        /** The keys and Retry-After (whole seconds) of the last refusal, for a client that obeys it. */
        private List<String> refusedKeys;
        private long refusedRetryAfter;
        private long lastWait;
        private long advanced;

        Sequence(long seed) {
            this.seed = seed;
            this.random = new SplittableRandom(seed);
            long origin = randomOrigin(random);
            this.ticker = new FakeTicker(origin);
            this.limiters = new RateLimiters(ticker);
            startWith(randomConfig(random));
            this.pool = keyPool(random);
        }

        void run() {
            try {
                steps();
            } catch (EndOfTime end) {
                // As many steps as fitted in the time a sequence may span.
            }
        }

        private void steps() {
            for (step = 0; step < STEPS; step++) {
                int dice = random.nextInt(100);
                if (dice < 50) {
                    request(randomKeys());
                } else if (dice < 58 && refusedKeys != null) {
                    obeyRetryAfter();
                } else if (dice < 96) {
                    advance(randomAdvance());
                } else {
                    reload();
                }
                checkKeptBuckets();
            }
        }

        private void startWith(RateLimitConfig next) {
            config = next;
            period = Math.max(1, Math.round(SECOND / next.requestsPerSecond()));
            // The nanosecond a token takes is the documented rate, rounded to a whole nanosecond.
            double exact = SECOND / next.requestsPerSecond();
            if (Math.abs(period - exact) > 0.5 + 1e-6 * exact) {
                failWith("a token every " + period + " ns for " + next.requestsPerSecond() + " requests a second");
            }
            model = new RateLimitModel(period, next.burst(), next.per() == Per.ROUTE);
            grantTimes.clear();
            refusedKeys = null;
        }

        private long request(List<String> keys) {
            long now = ticker.read();
            RateLimiter limiter = limiters.forRoute(ROUTE, config);
            long wait = keys.size() == 1 && random.nextBoolean() ? limiter.tryAcquire(keys.get(0)) : limiter.tryAcquireAll(keys);
            long expected = model.request(keys, now);
            note("request " + keys + " -> " + wait);
            if (wait != expected) {
                failWith("wait " + wait + " for " + keys + ", model says " + expected);
            }
            if (wait > 0) {
                refusedKeys = keys;
                refusedRetryAfter = (wait + SECOND - 1) / SECOND;
                lastWait = wait;
            } else {
                refusedKeys = null; // what it took may be what the refused request was waiting for
                for (String key : config.per() == Per.ROUTE ? List.of("") : keys) {
                    recordGrant(key, now);
                }
            }
            return wait;
        }

        /** A client that waits exactly its Retry-After and asks again is let through. */
        private void obeyRetryAfter() {
            List<String> keys = refusedKeys;
            long retryAfter = refusedRetryAfter;
            advance(retryAfter * SECOND);
            long wait = request(keys);
            if (wait != 0) {
                failWith("refused again (wait " + wait + ") after obeying Retry-After: " + retryAfter);
            }
        }

        /**
         * No stretch of time that starts at a grant holds more grants than a full bucket and one per period since:
         * checked against the last grants of the key (enough to span a burst and then some).
         */
        private void recordGrant(String key, long now) {
            Deque<Long> times = grantTimes.computeIfAbsent(key, k -> new ArrayDeque<>());
            times.addFirst(now);
            if (times.size() > 64) {
                times.removeLast();
            }
            int since = 0;
            for (long start : times) {
                since++;
                long elapsed = now - start;
                long allowed = config.burst() + elapsed / period;
                if (since > allowed) {
                    failWith(since + " grants to " + key + " in " + elapsed + " ns: more than burst "
                            + config.burst() + " plus one per " + period + " ns");
                }
            }
        }

        /**
         * Moves time on, by at most 2^62 ns (146 years) in all: no difference of two times of a sequence then
         * overflows, in the limiter or in the model. A sequence that would go further ends there.
         */
        private void advance(long by) {
            if (by > (1L << 62) - advanced) {
                throw new EndOfTime();
            }
            advanced += by;
            ticker.advance(Duration.ofNanos(by));
            note("advance " + by);
        }

        /**
         * A changed limit starts with full buckets; an unchanged one (the same numbers written again, a reload of
         * an untouched file) keeps them. A route that lost its limit and has it again starts full.
         */
        private void reload() {
            int kind = random.nextInt(3);
            if (kind == 0) {
                config = new RateLimitConfig(config.requestsPerSecond(), config.burst(), config.per(), config.header());
                note("reload unchanged");
            } else if (kind == 1) {
                limiters.retainOnly(Set.of(), Set.of());
                startWith(config);
                note("reload without the limit, then with it");
            } else {
                RateLimitConfig changed = randomConfig(random);
                if (!changed.equals(config)) {
                    startWith(changed);
                }
                note("reload " + config);
            }
        }

        /**
         * Every bucket that is not full is kept. (How soon a full one is dropped is not checked: Caffeine drops
         * expired entries in the order it last saw them used, which lags, so some stay in memory a while longer,
         * hidden from reads, which take them as gone.)
         */
        private void checkKeptBuckets() {
            long now = ticker.read();
            long tracked = limiters.forRoute(ROUTE, config).trackedClients();
            long mustKeep = model.notFull(now);
            if (tracked < mustKeep) {
                failWith(tracked + " buckets kept, but " + mustKeep + " are not full");
            }
        }

        private List<String> randomKeys() {
            int count = switch (random.nextInt(10)) {
                case 0, 1 -> 2;
                case 2 -> 1 + random.nextInt(Math.min(17, pool.size()));
                default -> 1;
            };
            List<String> shuffled = new ArrayList<>(pool);
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < Math.min(count, pool.size()); i++) {
                keys.add(shuffled.remove(random.nextInt(shuffled.size())));
            }
            return List.copyOf(keys);
        }

        private long randomAdvance() {
            long now = ticker.read();
            long wiggle = random.nextInt(3) - 1;
            String key = pool.get(random.nextInt(pool.size()));
            long by = switch (random.nextInt(11)) {
                case 0 -> random.nextLong(1, 1_000);
                case 1 -> lastWait + wiggle; // exactly when the last refusal said a token would be there
                case 2 -> model.untilFull(key, now) + wiggle;
                case 3 -> period + wiggle;
                case 4 -> model.capacity() + RateLimiter.ACCESS_TIME_SLACK_NANOS + wiggle; // the cache's expiry
                case 5 -> random.nextLong(1, Math.max(2, period * 3));
                case 6 -> random.nextLong(1, Math.max(2, Math.min(model.capacity() * 3, 1L << 60)));
                case 7 -> random.nextInt(50) == 0 ? random.nextLong(1L << 56) : random.nextLong(1, SECOND); // years
                case 8 -> SECOND * random.nextInt(1, 5) + wiggle;
                default -> 0;
            };
            return Math.max(0, Math.min(by, 1L << 60));
        }

        private void note(String event) {
            trace.addLast(step + ": " + event);
            if (trace.size() > 30) {
                trace.removeFirst();
            }
        }

        private void failWith(String what) {
            fail(ModelSeeds.describe(seed) + ", step " + step + ": " + what
                    + "\nconfig " + config + " (a token every " + period + " ns)\nlast events " + trace);
        }
    }

    private static RateLimitConfig randomConfig(SplittableRandom random) {
        double rate = switch (random.nextInt(12)) {
            case 0 -> 0.001;
            case 1 -> 1_000_000;
            case 2 -> 999_999.5;
            case 3 -> 0.5;
            case 4 -> 1;
            case 5 -> 3; // a period that is not a whole nanosecond
            case 6 -> 7;
            case 7 -> 20;
            case 8 -> 333.3333;
            case 9 -> 0.3;
            default -> Math.pow(10, -3 + 9 * random.nextDouble()); // anywhere in 0.001 to 1,000,000
        };
        int burst = switch (random.nextInt(8)) {
            case 0, 1 -> 1;
            case 2 -> 2;
            case 3 -> 3;
            case 4 -> (int) Math.max(1, Math.ceil(rate)) > 1_000_000 ? 1_000_000 : (int) Math.max(1, Math.ceil(rate));
            case 5 -> 1_000_000;
            default -> 1 + random.nextInt(40);
        };
        Per per = Per.values()[random.nextInt(Per.values().length)];
        return new RateLimitConfig(rate, burst, per, per == Per.HEADER ? Optional.of("X-Api-Key") : Optional.empty());
    }

    private static List<String> keyPool(SplittableRandom random) {
        int size = 1 + random.nextInt(random.nextBoolean() ? 3 : 24);
        List<String> pool = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            pool.add(random.nextBoolean() ? "10.0.0." + i : "header k" + i);
        }
        return List.copyOf(pool);
    }

    private static long randomOrigin(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0 -> 1_234_567_890_123L;
            case 1 -> -random.nextLong(1L << 62);
            case 2 -> random.nextLong(1L << 62);
            case 3 -> Long.MAX_VALUE - random.nextLong(1L << 40); // nanoTime about to wrap
            default -> 0;
        };
    }
}
