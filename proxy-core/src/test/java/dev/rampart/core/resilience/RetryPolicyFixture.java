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

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.rampart.core.config.RetryOn.CONNECT_FAILURE;
import static dev.rampart.core.config.RetryOn.GATEWAY_ERROR;
import static dev.rampart.core.config.RetryOn.RESET;
import static dev.rampart.core.config.RetryOn.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The retry policy under test, built from PRODUCT §2's defaults (jitter off, so delays are exact) that each
 * test changes where its rule needs, on a fixed clock, with a budget that says what it is told.
 */
abstract class RetryPolicyFixture {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);
    static final Duration BACKOFF_1 = Duration.ofMillis(100);

    // The PRODUCT defaults, with jitter off so that delays are exact.
    int attempts = 3;
    Set<RetryOn> on = EnumSet.of(CONNECT_FAILURE, RESET, TIMEOUT, GATEWAY_ERROR);
    Set<Integer> statusCodes = Set.of();
    Set<String> idempotentMethods = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
    RetryAfterConfig retryAfter = new RetryAfterConfig(true, Duration.ofSeconds(5));
    final CountingBudget budget = new CountingBudget();

    RetryPolicy policy() {
        BackoffConfig backoff = new BackoffConfig(BACKOFF_1, Duration.ofSeconds(2), 2.0, Jitter.NONE);
        RetryConfig config = new RetryConfig(attempts, Duration.ofSeconds(5), on, statusCodes, idempotentMethods,
                "Idempotency-Key", backoff, retryAfter, new BudgetConfig(0.2, 10), 1 << 20, true);
        return RetryPolicy.of(config, budget, Backoff.of(backoff, new SplittableRandom(1)), CLOCK);
    }

    RetryDecision decide(RetryContext.Builder ctx) {
        return policy().decide(ctx.build());
    }

    static RetryContext.Builder failed(FailureKind kind) {
        return RetryContext.builder(UpstreamFailure.of(kind));
    }

    static RetryContext.Builder status(int status) {
        return RetryContext.builder(UpstreamFailure.status(status, null));
    }

    static RetryContext.Builder status(int status, String retryAfter) {
        return RetryContext.builder(UpstreamFailure.status(status, retryAfter));
    }

    static void assertRetry(RetryDecision decision, Duration delay, RetryOn cause) {
        Retry retry = assertInstanceOf(Retry.class, decision);
        assertEquals(delay, retry.delay(), "delay");
        assertEquals(cause, retry.cause(), "cause");
    }

    static void assertStop(RetryDecision decision, StopReason why) {
        Stop stop = assertInstanceOf(Stop.class, decision, "expected a stop, got " + decision);
        assertEquals(why, stop.why());
    }

    /** A budget that says what it is told and counts how often it was asked. */
    static final class CountingBudget implements RetryBudget {
        boolean allow = true;
        int asked;

        @Override
        public void onRequest() {
        }

        @Override
        public Optional<RetryGrant> tryAcquireRetry() {
            asked++;
            return allow ? Optional.of(RetryGrant.UNCOUNTED) : Optional.empty();
        }

        @Override
        public long requestsInWindow() {
            return 0;
        }

        @Override
        public long retriesInWindow() {
            return asked;
        }
    }
}
