package dev.rampart.core.resilience;

import dev.rampart.core.errors.Reason;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one attempt that the retry policy and the breaker have to judge: a transport
 * {@link FailureKind}, or an upstream response status together with its {@code Retry-After} value.
 * One value for both so that the exchange carries a single "what went wrong" from the attempt to the
 * retry decision, the breaker and, when it is final, the envelope.
 */
public final class UpstreamFailure {

    private final FailureKind kind;
    private final int status;
    private final String retryAfter;

    private UpstreamFailure(FailureKind kind, int status, String retryAfter) {
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** A failure with no response: connect failures, reset, per-try timeout, malformed response. */
    public static UpstreamFailure of(FailureKind kind) {
        Checks.checkNotNull(kind, "kind");
        Checks.checkArgument(kind != FailureKind.UPSTREAM_STATUS,
                "kind: %s (expected: a transport failure; use status(int, String) for a response)", kind);
        return new UpstreamFailure(kind, 0, null);
    }

    /**
     * An upstream response head.
     *
     * @param status     the response status, 100-999
     * @param retryAfter the raw {@code Retry-After} header value, or {@code null} when absent
     */
    public static UpstreamFailure status(int status, String retryAfter) {
        Checks.checkArgument(status >= 100 && status <= 999, "status: %s (expected: 100-999)", status);
        return new UpstreamFailure(FailureKind.UPSTREAM_STATUS, status, retryAfter);
    }

    public FailureKind kind() {
        return kind;
    }

    /** The upstream's status for {@link FailureKind#UPSTREAM_STATUS}, else 0. */
    public int status() {
        return status;
    }

    /** The raw {@code Retry-After} header of the response, if it had one. */
    public Optional<String> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The catalog reason the client sees when this is the final outcome. */
    public Reason reason() {
        return kind.reason();
    }

    /** Whether the connection never came up, so any method may retry. */
    public boolean isConnectFailure() {
        return kind.isConnectFailure();
    }

    /**
     * Whether the endpoint's breaker records this as a failure. PRODUCT: connect failures, resets,
     * timeouts and 5xx except 501 are failures; 4xx and other statuses are successes. A malformed
     * response counts as a failure too: like a reset, no usable response head arrived, and an
     * endpoint that keeps answering garbage (a TLS port addressed as plain HTTP, say) should be
     * taken out of rotation.
     */
    public boolean countsAsBreakerFailure() {
        if (kind == FailureKind.UPSTREAM_STATUS) {
            return status >= 500 && status <= 599 && status != 501;
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UpstreamFailure that
                && kind == that.kind && status == that.status && Objects.equals(retryAfter, that.retryAfter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, status, retryAfter);
    }

    @Override
    public String toString() {
        if (kind != FailureKind.UPSTREAM_STATUS) {
            return kind.name();
        }
        return retryAfter == null ? "status " + status : "status " + status + " (Retry-After: " + retryAfter + ')';
    }
}
