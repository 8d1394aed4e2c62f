package dev.rampart.core.resilience;

import dev.rampart.core.config.RetryAfterConfig;
import dev.rampart.core.config.RetryConfig;
import dev.rampart.core.config.RetryOn;
import dev.rampart.core.resilience.RetryDecision.Retry;
import dev.rampart.core.resilience.RetryDecision.Stop;
import dev.rampart.core.resilience.RetryDecision.StopReason;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import static dev.rampart.core.resilience.Checks.checkArgument;
import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * The rules of PRODUCT §2 in the order that gives the most useful {@code why}: first whether the
 * failure is retryable at all, then the limits of the route (attempts), then those of the request
 * (method, body), then time (deadline), then the endpoint's breaker (circuit-open), and the budget last,
 * because asking it spends it.
 *
 * <p>A {@code Retry-After} longer than {@code retry-after.max} counts with the first: the route does not retry
 * such a response there, as docs/configuration.md says, so it is never a skipped retry of another {@code why}.
 *
 * <p>Decisions where the contract leaves room:
 * <ul>
 *   <li>{@code status-codes}: a status in the list is retried whether or not {@code status-codes} is
 *       named in {@code on} (the list is explicit intent, see {@link RetryConfig}); naming it with an
 *       empty list retries nothing extra.</li>
 *   <li>When a status matches several entries the cause is the first of {@code gateway-error},
 *       {@code 5xx}, {@code status-codes}.</li>
 *   <li>{@code Retry-After} is read only on 429 and 503 and only with {@code retry-after.honor}; an
 *       unparseable value is ignored. The delay is {@code max(backoff, Retry-After)}: the header is the
 *       upstream's minimum and the backoff ours, so neither is undercut (Envoy uses the header value
 *       alone; ours differs only when our backoff is longer). A {@code Retry-After} longer than
 *       {@code retry-after.max} stops with {@code not-retryable} whatever the deadline (the upstream
 *       asked for more than the route is willing to wait); one within it that cannot start before the
 *       deadline stops with {@code deadline}.</li>
 *   <li>A refused connection with an untried endpoint left retries at once, whatever the backoff; a
 *       connect timeout or unreachable endpoint still backs off (the network may be what is failing).</li>
 * </ul>
 */
final class DefaultRetryPolicy implements RetryPolicy {

    private static final Set<Integer> GATEWAY_ERRORS = Set.of(502, 503, 504);

    private final RetryConfig config;
    private final RetryBudget budget;
    private final Backoff backoff;
    private final Clock clock;
    private final boolean honorRetryAfter;
    private final long retryAfterMaxNanos;

    DefaultRetryPolicy(RetryConfig config, RetryBudget budget, Backoff backoff, Clock clock) {
        this.config = checkNotNull(config, "config");
        this.budget = checkNotNull(budget, "budget");
        this.backoff = checkNotNull(backoff, "backoff");
        this.clock = checkNotNull(clock, "clock");
        checkArgument(config.attempts() >= 1, "attempts: %s (expected: >= 1)", config.attempts());
        RetryAfterConfig retryAfter = checkNotNull(config.retryAfter(), "retryAfter");
        this.honorRetryAfter = retryAfter.honor();
        this.retryAfterMaxNanos = honorRetryAfter ? Checks.nonNegativeNanos("retryAfter.max", retryAfter.max()) : 0;
    }

    @Override
    public RetryDecision decide(RetryContext ctx) {
        checkNotNull(ctx, "ctx");
        UpstreamFailure failure = ctx.failure();
        if (ctx.responseStarted()) {
            return stop(StopReason.NOT_RETRYABLE);
        }
        Optional<RetryOn> cause = matchingCause(failure);
        if (cause.isEmpty()) {
            return stop(StopReason.NOT_RETRYABLE);
        }
        // A Retry-After speaks for the endpoint that sent it: a retry that goes to another one (an endpoint
        // not tried yet remains) neither waits for it nor is refused by it, as nginx's proxy_next_upstream
        // moves on at once. Held to, it made a healthy second endpoint wait, or never get the request. A
        // retry that goes back to another endpoint already tried holds to what that one asked.
        Optional<Duration> retryAfter = ctx.untriedEndpointRemains() ? Optional.empty()
                : ctx.retryAfterOfNextEndpoints() == null ? retryAfter(failure)
                : !honorRetryAfter || ctx.retryAfterOfNextEndpoints().isZero() ? Optional.empty()
                : Optional.of(ctx.retryAfterOfNextEndpoints());
        long askedNanos = retryAfter.map(Checks::saturatedNanos).orElse(0L);
        // Longer than retry-after.max is the route's own refusal, like a status it does not retry: judged with
        // the failure, before any limit, so that it is never a skipped retry (why=attempts, method, body or
        // deadline) depending on which attempt, method or clock it met.
        if (askedNanos > retryAfterMaxNanos) {
            return stop(StopReason.NOT_RETRYABLE);
        }
        if (ctx.attemptsMade() >= config.attempts()) {
            // A route of one attempt has no retries to skip: counting each of its failures as
            // why=attempts would make rampart_retries_skipped_total say retries were cut short where
            // none were asked for (Envoy counts retry_limit_exceeded only under a retry policy).
            return stop(config.attempts() == 1 ? StopReason.NOT_RETRYABLE : StopReason.ATTEMPTS);
        }
        if (!failure.isConnectFailure() && !ctx.hasIdempotencyKey()
                && !config.idempotentMethods().contains(ctx.method())) {
            return stop(StopReason.METHOD);
        }
        if (ctx.bytesSent() && !ctx.bodyReplayable()) {
            return stop(StopReason.BODY);
        }

        long delayNanos = failure.kind() == FailureKind.CONNECT_REFUSED && ctx.untriedEndpointRemains()
                ? 0
                : Checks.saturatedNanos(backoff.delayForRetry(ctx.attemptsMade()));
        delayNanos = Math.max(delayNanos, askedNanos); // 0 when no Retry-After applies
        if (delayNanos >= ctx.nanosUntilDeadline()) {
            return stop(StopReason.DEADLINE);
        }
        if (!ctx.endpointAdmits()) {
            return stop(StopReason.CIRCUIT_OPEN); // before the budget: a retry not sent spends no token
        }

        Optional<RetryGrant> grant = budget.tryAcquireRetry();
        if (grant.isEmpty()) {
            return stop(StopReason.BUDGET);
        }
        return new Retry(Duration.ofNanos(delayNanos), cause.get(), grant.get());
    }

    @Override
    public RetryBudget budget() {
        return budget;
    }

    /** The {@code retry.on} entry that covers the failure, if any. */
    private Optional<RetryOn> matchingCause(UpstreamFailure failure) {
        Set<RetryOn> on = config.on();
        if (failure.kind() != FailureKind.UPSTREAM_STATUS) {
            return failure.kind().retryOn().filter(on::contains);
        }
        int status = failure.status();
        if (on.contains(RetryOn.GATEWAY_ERROR) && GATEWAY_ERRORS.contains(status)) {
            return Optional.of(RetryOn.GATEWAY_ERROR);
        }
        if (on.contains(RetryOn.SERVER_ERROR) && status >= 500 && status <= 599 && status != 501) {
            return Optional.of(RetryOn.SERVER_ERROR);
        }
        if (config.statusCodes().contains(status)) {
            return Optional.of(RetryOn.STATUS_CODES);
        }
        return Optional.empty();
    }

    /** The upstream's {@code Retry-After}, when the route honours it and the response may carry one. */
    private Optional<Duration> retryAfter(UpstreamFailure failure) {
        if (!honorRetryAfter || (failure.status() != 429 && failure.status() != 503)) {
            return Optional.empty();
        }
        return failure.retryAfter().flatMap(value -> RetryAfter.parse(value, clock));
    }

    private static Stop stop(StopReason why) {
        return new Stop(why);
    }

    @Override
    public String toString() {
        return "RetryPolicy(attempts=" + config.attempts() + ", on=" + config.on() + ", budget=" + budget
                + ", backoff=" + backoff + ')';
    }
}
