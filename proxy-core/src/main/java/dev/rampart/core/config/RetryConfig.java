package dev.rampart.core.config;

import java.time.Duration;
import java.util.Set;

/**
 * A route's retry policy ({@code rampart.routes[i].retry}).
 *
 * @param attempts               total attempts including the first; 1 never retries
 * @param perTryTimeout          time to the response head, per attempt
 * @param statusCodes            extra statuses retried when {@link RetryOn#STATUS_CODES} is in {@code on}
 *                               (a non-empty list also enables them on its own)
 * @param idempotentMethods      upper-case method names that may be retried whatever failed
 * @param idempotencyKeyHeader   a request carrying this header is retryable whatever its method
 * @param replayBuffer           request bodies up to this many bytes are kept for replay
 * @param preferOtherEndpoint    a retry goes to an endpoint not tried yet when there is one
 */
public record RetryConfig(
        int attempts,
        Duration perTryTimeout,
        Set<RetryOn> on,
        Set<Integer> statusCodes,
        Set<String> idempotentMethods,
        String idempotencyKeyHeader,
        BackoffConfig backoff,
        RetryAfterConfig retryAfter,
        BudgetConfig budget,
        long replayBuffer,
        boolean preferOtherEndpoint) {

    public RetryConfig {
        on = Set.copyOf(on);
        statusCodes = Set.copyOf(statusCodes);
        idempotentMethods = Set.copyOf(idempotentMethods);
    }
}
