package dev.rampart.core.resilience;

import dev.rampart.core.config.BackoffConfig;
import dev.rampart.core.config.BackoffConfig.Jitter;
import dev.rampart.core.config.BudgetConfig;
import dev.rampart.core.config.RetryAfterConfig;
import dev.rampart.core.config.RetryConfig;
import dev.rampart.core.config.RetryOn;
import dev.rampart.core.resilience.RetryDecision.Retry;
import dev.rampart.core.resilience.RetryDecision.Stop;
import dev.rampart.core.resilience.RetryDecision.StopReason;
import dev.rampart.core.testing.ModelSeeds;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random routes and random failed attempts, decided by the real policy over the real budget and by the rules of
 * docs/configuration.md {@code retry} written out plainly, compared decision by decision: retry or stop, the
 * stop's {@code why}, the delay, and the budget's counts. The budget's model is a list of stamped events (one
 * second buckets, the last ten live, as {@link RetryBudget} documents); time moves by random amounts and to
 * exact second edges. Deterministic by seed.
 */
class RetryPolicyModelTest {

    private static final int ROUTES = 1_000;
    private static final int STEPS = 200;
    private static final long SECOND = 1_000_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T05:00:00Z"), ZoneOffset.UTC);
    private static final Set<Integer> GATEWAY = Set.of(502, 503, 504);
    private static final int[] STATUSES = {200, 404, 409, 429, 500, 501, 502, 503, 504, 505, 599};
    private static final FailureKind[] TRANSPORT = {FailureKind.CONNECT_REFUSED, FailureKind.CONNECT_TIMEOUT,
            FailureKind.UNREACHABLE, FailureKind.RESET, FailureKind.TIMEOUT, FailureKind.BAD_RESPONSE};
    private static final String[] RETRY_AFTERS = {null, "0", "1", "3", "5", "6", "3600", "garbage",
            "Sun, 06 Dec 2026 05:00:04 GMT", "Sun, 06 Dec 2026 04:00:00 GMT", "99999999999999"};

    private record Stamp(long at, boolean retry) {
    }

    @Test
    void policyAndBudgetAgreeWithTheDocumentedRules() {
        long base = ModelSeeds.first();
        for (int i = 0; i < ROUTES; i++) {
            runRoute(base + i);
        }
    }

    private static void runRoute(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        RetryConfig config = randomConfig(random);
        FakeTicker ticker = new FakeTicker(random.nextBoolean() ? 1_234_567_890_123L : -random.nextLong(1L << 50));
        RetryBudget budget = RetryBudget.of(config.budget(), ticker);
        Backoff backoff = Backoff.of(config.backoff(), new SplittableRandom(seed));
        List<Stamp> budgetModel = new ArrayList<>();
        List<Map.Entry<RetryGrant, Stamp>> grants = new ArrayList<>();
        Set<RetryGrant> givenBack = Collections.newSetFromMap(new IdentityHashMap<>());
        List<String> trace = new ArrayList<>();

        for (int step = 0; step < STEPS; step++) {
            long now = ticker.read();
            boolean granted = false;
            int dice = random.nextInt(10);
            if (dice < 3) {
                budget.onRequest();
                budgetModel.add(new Stamp(now, false));
                trace.add("request");
            } else if (dice < 8) {
                RetryContext ctx = randomContext(random, config);
                // the backoff is random: both sides get the same draw (its bounds are checked on their own below)
                long backoffNanos = Checks.saturatedNanos(Backoff.of(config.backoff(), new SplittableRandom(seed + step))
                        .delayForRetry(ctx.attemptsMade()));
                RetryDecision expected = decide(config, ctx, backoffNanos, budgetModel, now);
                Backoff sameDraw = n -> Duration.ofNanos(backoffNanos);
                RetryDecision actual = RetryPolicy.of(config, budget, sameDraw, CLOCK).decide(ctx);
                trace.add(ctx + " -> " + actual);
                if (expected instanceof Retry) {
                    Stamp stamp = new Stamp(now, true);
                    budgetModel.add(stamp);
                    if (actual instanceof Retry retry) {
                        grants.add(Map.entry(retry.grant(), stamp));
                    }
                }
                granted = actual instanceof Retry;
                if (!sameDecision(expected, actual)) {
                    fail("seed " + seed + " step " + step + ": " + actual + ", model says " + expected + "\nconfig "
                            + config + "\nlast " + trace.subList(Math.max(0, trace.size() - 8), trace.size()));
                }
                checkBackoffBounds(seed, config.backoff(), backoff, ctx.attemptsMade());
            } else if (dice == 8 && !grants.isEmpty()) {
                // a retry not sent after all (breakers opened in its backoff, the client left): its grant goes back,
                // once, however often it is given; it stops counting, whatever second it was counted in
                Map.Entry<RetryGrant, Stamp> grant = grants.get(random.nextInt(grants.size()));
                grant.getKey().giveBack();
                if (givenBack.add(grant.getKey())) {
                    budgetModel.remove(grant.getValue());
                }
                trace.add("give back the grant of " + grant.getValue().at());
            } else {
                long by = switch (random.nextInt(4)) {
                    case 0 -> SECOND - Math.floorMod(now, SECOND) + random.nextInt(3) - 1;
                    case 1 -> 10 * SECOND + random.nextInt(3) - 1;
                    case 2 -> random.nextLong(SECOND / 10);
                    default -> random.nextLong(3 * SECOND);
                };
                ticker.advance(Duration.ofNanos(Math.max(0, by)));
                trace.add("advance " + by);
            }
            long t = ticker.read();
            long requests = budgetModel.stream().filter(s -> !s.retry && live(s, t)).count();
            long retries = budgetModel.stream().filter(s -> s.retry && live(s, t)).count();
            if (budget.requestsInWindow() != requests || budget.retriesInWindow() != retries) {
                fail("seed " + seed + " step " + step + ": budget counts " + budget.requestsInWindow() + "/"
                        + budget.retriesInWindow() + ", model " + requests + "/" + retries);
            }
            // Requests slide out of the window while later retries stay, so the bound holds when a retry is granted.
            if (granted && retries > config.budget().ratio() * requests + 10.0 * config.budget().minPerSecond() + 1e-6) {
                fail("seed " + seed + " step " + step + ": " + retries + " retries in the window for " + requests + " requests");
            }
        }
    }

    /**
     * The rules of the docs, in the order DefaultRetryPolicy documents for its {@code why}; a Retry-After longer
     * than {@code retry-after.max} is a response the route does not retry, so it is judged with the failure.
     */
    private static RetryDecision decide(RetryConfig config, RetryContext ctx, long backoffNanos, List<Stamp> budget,
            long now) {
        UpstreamFailure failure = ctx.failure();
        if (ctx.responseStarted()) {
            return new Stop(StopReason.NOT_RETRYABLE);
        }
        Optional<RetryOn> cause = causeOf(config, failure);
        if (cause.isEmpty()) {
            return new Stop(StopReason.NOT_RETRYABLE);
        }
        Optional<Duration> asked = Optional.empty();
        if (!ctx.untriedEndpointRemains() && config.retryAfter().honor()) {
            if (ctx.retryAfterOfNextEndpoints() == null) {
                if (failure.status() == 429 || failure.status() == 503) {
                    asked = failure.retryAfter().flatMap(v -> RetryAfter.parse(v, CLOCK));
                }
            } else if (!ctx.retryAfterOfNextEndpoints().isZero()) {
                asked = Optional.of(ctx.retryAfterOfNextEndpoints());
            }
        }
        // one longer than retry-after.max is "a response the route does not retry there", never a skipped retry
        if (asked.isPresent() && Checks.saturatedNanos(asked.get()) > config.retryAfter().max().toNanos()) {
            return new Stop(StopReason.NOT_RETRYABLE);
        }
        if (ctx.attemptsMade() >= config.attempts()) {
            return new Stop(config.attempts() == 1 ? StopReason.NOT_RETRYABLE : StopReason.ATTEMPTS);
        }
        if (!failure.isConnectFailure() && !ctx.hasIdempotencyKey()
                && !config.idempotentMethods().contains(ctx.method())) {
            return new Stop(StopReason.METHOD);
        }
        if (ctx.bytesSent() && !ctx.bodyReplayable()) {
            return new Stop(StopReason.BODY);
        }
        long delay = failure.kind() == FailureKind.CONNECT_REFUSED && ctx.untriedEndpointRemains() ? 0 : backoffNanos;
        if (asked.isPresent()) {
            long askedNanos = Checks.saturatedNanos(asked.get());
            if (askedNanos >= ctx.nanosUntilDeadline()) {
                return new Stop(StopReason.DEADLINE);
            }
            delay = Math.max(delay, askedNanos);
        }
        if (delay >= ctx.nanosUntilDeadline()) {
            return new Stop(StopReason.DEADLINE);
        }
        if (!ctx.endpointAdmits()) {
            return new Stop(StopReason.CIRCUIT_OPEN);
        }
        long requests = budget.stream().filter(s -> !s.retry && live(s, now)).count();
        long retries = budget.stream().filter(s -> s.retry && live(s, now)).count();
        if (retries + 1 > config.budget().ratio() * requests + 10.0 * config.budget().minPerSecond() + 1e-6) {
            return new Stop(StopReason.BUDGET);
        }
        return new Retry(Duration.ofNanos(delay), cause.get(), RetryGrant.UNCOUNTED);
    }

    private static Optional<RetryOn> causeOf(RetryConfig config, UpstreamFailure failure) {
        switch (failure.kind()) {
            case CONNECT_REFUSED, CONNECT_TIMEOUT, UNREACHABLE -> {
                return config.on().contains(RetryOn.CONNECT_FAILURE) ? Optional.of(RetryOn.CONNECT_FAILURE) : Optional.empty();
            }
            case RESET -> {
                return config.on().contains(RetryOn.RESET) ? Optional.of(RetryOn.RESET) : Optional.empty();
            }
            case TIMEOUT -> {
                return config.on().contains(RetryOn.TIMEOUT) ? Optional.of(RetryOn.TIMEOUT) : Optional.empty();
            }
            case BAD_RESPONSE -> {
                return Optional.empty();
            }
            default -> {
                int status = failure.status();
                if (config.on().contains(RetryOn.GATEWAY_ERROR) && GATEWAY.contains(status)) {
                    return Optional.of(RetryOn.GATEWAY_ERROR);
                }
                if (config.on().contains(RetryOn.SERVER_ERROR) && status >= 500 && status <= 599 && status != 501) {
                    return Optional.of(RetryOn.SERVER_ERROR);
                }
                return config.statusCodes().contains(status) ? Optional.of(RetryOn.STATUS_CODES) : Optional.empty();
            }
        }
    }

    /** Backoff before retry N: min(max, initial × multiplier^(N-1)), then full, equal or no jitter. */
    private static void checkBackoffBounds(long seed, BackoffConfig config, Backoff backoff, int retry) {
        double exact = config.initial().toNanos() * Math.pow(config.multiplier(), retry - 1);
        long d = exact >= config.max().toNanos() ? config.max().toNanos() : (long) exact;
        long low = switch (config.jitter()) {
            case FULL -> 0;
            case EQUAL -> d / 2;
            case NONE -> d;
        };
        long delay = backoff.delayForRetry(retry).toNanos();
        if (delay < low || delay > d) {
            fail("seed " + seed + ": backoff " + config + " before retry " + retry + " is " + delay + " ns, not in ["
                    + low + ", " + d + "]");
        }
    }

    /** The same retry or stop; grants are compared by what they count, not by identity. */
    private static boolean sameDecision(RetryDecision expected, RetryDecision actual) {
        if (expected instanceof Retry e && actual instanceof Retry a) {
            return e.delay().equals(a.delay()) && e.cause() == a.cause();
        }
        return expected.equals(actual);
    }

    private static boolean live(Stamp stamp, long now) {
        long epoch = Math.floorDiv(now, SECOND);
        long at = Math.floorDiv(stamp.at, SECOND);
        return at <= epoch && at > epoch - 10;
    }

    private static RetryConfig randomConfig(SplittableRandom random) {
        int attempts = pick(random, 1, 2, 3, 5);
        Set<RetryOn> on = EnumSet.noneOf(RetryOn.class);
        for (RetryOn r : RetryOn.values()) {
            if (random.nextInt(3) > 0) {
                on.add(r);
            }
        }
        Set<Integer> statusCodes = pick(random, Set.of(), Set.of(429), Set.of(409, 429), Set.of(500, 501));
        Set<String> idempotent = pick(random, Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"), Set.of("GET"), Set.of());
        Duration initial = pick(random, Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(2));
        Duration max = pick(random, initial, initial.multipliedBy(3), Duration.ofSeconds(2), Duration.ofDays(400));
        if (max.compareTo(initial) < 0) {
            max = initial;
        }
        BackoffConfig backoff = new BackoffConfig(initial, max, pick(random, 1.0, 1.5, 2.0, 1000.0),
                pick(random, Jitter.FULL, Jitter.EQUAL, Jitter.NONE));
        RetryAfterConfig retryAfter = new RetryAfterConfig(random.nextInt(4) > 0,
                pick(random, Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofDays(30000)));
        BudgetConfig budget = new BudgetConfig(pick(random, 0.0, 0.2, 1.0, 0.05), pick(random, 0, 1, 10));
        return new RetryConfig(attempts, Duration.ofSeconds(5), on, statusCodes, idempotent, "Idempotency-Key",
                backoff, retryAfter, budget, 1 << 20, true);
    }

    private static RetryContext randomContext(SplittableRandom random, RetryConfig config) {
        UpstreamFailure failure = random.nextBoolean()
                ? UpstreamFailure.of(TRANSPORT[random.nextInt(TRANSPORT.length)])
                : UpstreamFailure.status(STATUSES[random.nextInt(STATUSES.length)],
                        RETRY_AFTERS[random.nextInt(RETRY_AFTERS.length)]);
        Duration nextRetryAfter = switch (random.nextInt(4)) {
            case 0, 1 -> null;
            case 2 -> Duration.ZERO;
            default -> Duration.ofMillis(random.nextLong(8_000));
        };
        long deadline = switch (random.nextInt(4)) {
            case 0 -> random.nextLong(-SECOND, SECOND);
            case 1 -> 4 * SECOND + random.nextInt(3) - 1;
            default -> random.nextLong(1, 20 * SECOND);
        };
        return RetryContext.builder(failure)
                .attemptsMade(random.nextInt(1, config.attempts() + 2))
                .method(pick(random, "GET", "POST", "PUT", "PATCH", "get"))
                .hasIdempotencyKey(random.nextInt(4) == 0)
                .bodyReplayable(random.nextInt(4) > 0)
                .bytesSent(random.nextBoolean())
                .responseStarted(random.nextInt(10) == 0)
                .nanosUntilDeadline(deadline)
                .untriedEndpointRemains(random.nextBoolean())
                .retryAfterOfNextEndpoints(nextRetryAfter)
                .endpointAdmits(random.nextInt(8) > 0)
                .build();
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
