package dev.rampart.core.errors;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Everything the renderers need to know about one failed exchange. Built by the proxy; holds no
 * upstream body, hostname or exception text.
 *
 * @param reason            the catalog reason
 * @param status            the response status: {@code reason.status()}, or the upstream's for UPSTREAM_ERROR
 * @param requestId         the exchange's request id
 * @param route             route name, or null when no route matched
 * @param upstream          upstream name, or null
 * @param attempts          upstream attempts made (0 when none)
 * @param retryAfterSeconds seconds for {@code Retry-After} and {@code metadata.retry_after}, when known
 * @param receivedStatus    the upstream's status for rewritten upstream errors
 * @param details           a short, safe detail for {@code Proxy-Status} (never upstream internals), or null
 */
public record ErrorContext(
        Reason reason,
        int status,
        String requestId,
        String route,
        String upstream,
        int attempts,
        OptionalLong retryAfterSeconds,
        OptionalInt receivedStatus,
        String details) {

    public ErrorContext {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(retryAfterSeconds, "retryAfterSeconds");
        Objects.requireNonNull(receivedStatus, "receivedStatus");
    }

    /** A proxy-made error with the catalog status and nothing optional. */
    public static ErrorContext of(Reason reason, String requestId, String route, String upstream, int attempts) {
        return new ErrorContext(reason, reason.status(), requestId, route, upstream, attempts,
                OptionalLong.empty(), OptionalInt.empty(), null);
    }

    /** Whether a client may retry, as the envelope says it. */
    public boolean retryable() {
        return reason.retryable(status);
    }

    public ErrorContext withRetryAfterSeconds(long seconds) {
        return new ErrorContext(reason, status, requestId, route, upstream, attempts,
                OptionalLong.of(seconds), receivedStatus, details);
    }

    public ErrorContext withDetails(String newDetails) {
        return new ErrorContext(reason, status, requestId, route, upstream, attempts,
                retryAfterSeconds, receivedStatus, newDetails);
    }
}
