package dev.rampart.core.resilience;

import static dev.rampart.core.resilience.Checks.checkArgument;
import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * Everything the retry decision needs to know about the exchange at the moment an attempt failed.
 * The exchange fills it from its own state; the policy reads nothing else, so a test can state any
 * situation in one line.
 *
 * @param failure                what went wrong with the attempt that just ended
 * @param attemptsMade           attempts made so far, including the one that just failed (>= 1)
 * @param method                 the request method as sent ({@code GET}); compared case-sensitively, as
 *                               HTTP methods are
 * @param hasIdempotencyKey      whether the request as forwarded carries a non-blank {@code idempotency-key-header}
 * @param bodyReplayable         whether the whole request body is held in the replay buffer (true for
 *                               a request without a body)
 * @param bytesSent              whether any byte of the request left for the upstream on this attempt
 * @param responseStarted        whether anything of a response has been written to the client
 * @param nanosUntilDeadline     time left before the route {@code timeout}; zero or negative when passed
 * @param untriedEndpointRemains whether the next pick moves to an endpoint this exchange has not tried yet:
 *                               the route prefers another endpoint, and one is left whose breaker and
 *                               health check would let the pick take it
 * @param retryAfterOfNextEndpoints null when the retry may go back to the endpoint that just failed (its own
 *                               {@code Retry-After}, on the failure, applies); else, every endpoint having been
 *                               tried, the retry goes to another tried one: how long those still asked to be
 *                               left alone ({@code Retry-After}), zero when none did
 * @param endpointAdmits         whether any endpoint's breaker (and health check) would take a retry now: when
 *                               none does, a retry the other rules allow is skipped for that
 */
public record RetryContext(
        UpstreamFailure failure,
        int attemptsMade,
        String method,
        boolean hasIdempotencyKey,
        boolean bodyReplayable,
        boolean bytesSent,
        boolean responseStarted,
        long nanosUntilDeadline,
        boolean untriedEndpointRemains,
        java.time.Duration retryAfterOfNextEndpoints,
        boolean endpointAdmits) {

    public RetryContext {
        checkNotNull(failure, "failure");
        checkNotNull(method, "method");
        checkArgument(attemptsMade >= 1, "attemptsMade: %s (expected: >= 1)", attemptsMade);
    }

    /** A builder for the context of {@code failure}; see {@link Builder} for its defaults. */
    public static Builder builder(UpstreamFailure failure) {
        return new Builder(failure);
    }

    /**
     * Builds a {@link RetryContext}. The defaults describe a GET whose first attempt just failed before
     * anything was sent, with an hour to go: handy in tests, but they all lean towards retrying, so the
     * exchange sets every field from its own state.
     */
    public static final class Builder {
        private final UpstreamFailure failure;
        private int attemptsMade = 1;
        private String method = "GET";
        private boolean hasIdempotencyKey;
        private boolean bodyReplayable = true;
        private boolean bytesSent;
        private boolean responseStarted;
        private long nanosUntilDeadline = 3_600_000_000_000L;
        private boolean untriedEndpointRemains;
        private java.time.Duration retryAfterOfNextEndpoints;
        private boolean endpointAdmits = true;

        private Builder(UpstreamFailure failure) {
            this.failure = failure;
        }

        public Builder attemptsMade(int attemptsMade) {
            this.attemptsMade = attemptsMade;
            return this;
        }

        public Builder method(String method) {
            this.method = method;
            return this;
        }

        public Builder hasIdempotencyKey(boolean hasIdempotencyKey) {
            this.hasIdempotencyKey = hasIdempotencyKey;
            return this;
        }

        public Builder bodyReplayable(boolean bodyReplayable) {
            this.bodyReplayable = bodyReplayable;
            return this;
        }

        public Builder bytesSent(boolean bytesSent) {
            this.bytesSent = bytesSent;
            return this;
        }

        public Builder responseStarted(boolean responseStarted) {
            this.responseStarted = responseStarted;
            return this;
        }

        public Builder nanosUntilDeadline(long nanosUntilDeadline) {
            this.nanosUntilDeadline = nanosUntilDeadline;
            return this;
        }

        public Builder untriedEndpointRemains(boolean untriedEndpointRemains) {
            this.untriedEndpointRemains = untriedEndpointRemains;
            return this;
        }

        public Builder retryAfterOfNextEndpoints(java.time.Duration retryAfterOfNextEndpoints) {
            this.retryAfterOfNextEndpoints = retryAfterOfNextEndpoints;
            return this;
        }

        public Builder endpointAdmits(boolean endpointAdmits) {
            this.endpointAdmits = endpointAdmits;
            return this;
        }

        public RetryContext build() {
            return new RetryContext(failure, attemptsMade, method, hasIdempotencyKey, bodyReplayable, bytesSent,
                    responseStarted, nanosUntilDeadline, untriedEndpointRemains, retryAfterOfNextEndpoints,
                    endpointAdmits);
        }
    }
}
