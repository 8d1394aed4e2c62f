package dev.rampart.core.resilience;

import dev.rampart.core.config.RetryOn;

import java.time.Duration;

import static dev.rampart.core.resilience.Checks.checkArgument;
import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * The one answer to "may this exchange retry?": either {@link Retry} after a delay, or {@link Stop}
 * with the reason, which is also the {@code why} label of {@code rampart_retries_skipped_total}.
 * Sealed, so the exchange handles both with {@code instanceof} and nothing else can appear.
 */
public sealed interface RetryDecision {

    /** Whether the exchange should make another attempt. */
    boolean isRetry();

    /**
     * Retry after {@code delay} (schedule it on the event loop; zero means at once).
     *
     * @param cause the {@code retry.on} entry that allowed the retry
     * @param grant the budget's grant, {@linkplain RetryGrant#giveBack given back} if the retry is not sent
     */
    record Retry(Duration delay, RetryOn cause, RetryGrant grant) implements RetryDecision {
        public Retry {
            checkNotNull(delay, "delay");
            checkNotNull(cause, "cause");
            checkNotNull(grant, "grant");
            checkArgument(!delay.isNegative(), "delay: %s (expected: >= 0)", delay);
        }

        /**
         * The {@code cause} label of {@code rampart_retries_total}: the {@code retry.on} entry as it is
         * spelled in the config ({@code connect-failure}, {@code reset}, {@code timeout},
         * {@code gateway-error}, {@code 5xx}, {@code status-codes}), so dashboards and config use one word.
         */
        public String causeLabel() {
            return cause.configName();
        }

        @Override
        public boolean isRetry() {
            return true;
        }
    }

    /** Do not retry: the current outcome is final. */
    record Stop(StopReason why) implements RetryDecision {
        public Stop {
            checkNotNull(why, "why");
        }

        /** The {@code why} label of {@code rampart_retries_skipped_total}. */
        public String whyLabel() {
            return why.label();
        }

        @Override
        public boolean isRetry() {
            return false;
        }
    }

    /** Why a failure was not retried. */
    enum StopReason {
        /** The route's retry budget is spent. */
        BUDGET("budget"),
        /** The body was streamed, not buffered, and part of it already left: it cannot be sent again. */
        BODY("body"),
        /** Neither an idempotent method, nor an idempotency key, nor a connect failure. */
        METHOD("method"),
        /** The next attempt (after its delay or the upstream's {@code Retry-After}) could not start before the route deadline. */
        DEADLINE("deadline"),
        /** {@code retry.attempts} are used up. */
        ATTEMPTS("attempts"),
        /**
         * Every rule allowed a retry, but no endpoint would take it: each one's breaker is open (or its half-open
         * probes taken), or its health check failed. Often the failure that just ended the attempt opened the
         * last breaker.
         */
        CIRCUIT_OPEN("circuit-open"),
        /**
         * The failure is not one the route retries (not in {@code retry.on}, a malformed response, a
         * {@code Retry-After} longer than {@code retry-after.max}), or the response already reached the
         * client. Not a skipped retry in the sense of PRODUCT §3.5, so exchanges need not count it there.
         */
        NOT_RETRYABLE("not-retryable");

        private final String label;

        StopReason(String label) {
            this.label = label;
        }

        /** The metric label value. */
        public String label() {
            return label;
        }
    }
}
