package dev.rampart.core.resilience;

import dev.rampart.core.config.RetryOn;
import dev.rampart.core.errors.Reason;

import java.util.Locale;
import java.util.Optional;

/**
 * Why one attempt at an upstream did not yield a usable response. The kind decides three things in
 * one place: which {@code retry.on} entry may retry it, which catalog reason the client sees when it
 * is final, and whether it counts against the endpoint's breaker.
 */
public enum FailureKind {
    /** The endpoint refused the connection; nothing was sent. */
    CONNECT_REFUSED(RetryOn.CONNECT_FAILURE, Reason.UPSTREAM_CONNECT_REFUSED),
    /** The connection did not complete within {@code connect-timeout}; nothing was sent. */
    CONNECT_TIMEOUT(RetryOn.CONNECT_FAILURE, Reason.UPSTREAM_CONNECT_TIMEOUT),
    /** DNS failure, no route to host, or any other failure to establish the connection; nothing was sent. */
    UNREACHABLE(RetryOn.CONNECT_FAILURE, Reason.UPSTREAM_UNREACHABLE),
    /** The connection was closed or reset before a complete response head. */
    RESET(RetryOn.RESET, Reason.UPSTREAM_RESET),
    /** No response head within {@code per-try-timeout}. */
    TIMEOUT(RetryOn.TIMEOUT, Reason.UPSTREAM_TIMEOUT),
    /**
     * The upstream answered with something that is not HTTP. Never retried: no {@code retry.on}
     * entry names it, and a peer that speaks garbage once will likely do it again.
     */
    BAD_RESPONSE(null, Reason.UPSTREAM_BAD_RESPONSE),
    /**
     * The upstream answered with a status the route may retry or the breaker counts; whether it is
     * retryable depends on the status (see {@link UpstreamFailure#status(int, String)}).
     */
    UPSTREAM_STATUS(null, Reason.UPSTREAM_ERROR);

    private final RetryOn retryOn;
    private final Reason reason;

    FailureKind(RetryOn retryOn, Reason reason) {
        this.retryOn = retryOn;
        this.reason = reason;
    }

    /**
     * The {@code retry.on} entry that covers this kind; empty for {@link #BAD_RESPONSE} (never retried)
     * and {@link #UPSTREAM_STATUS} (depends on the status).
     */
    public Optional<RetryOn> retryOn() {
        return Optional.ofNullable(retryOn);
    }

    /** The catalog reason the client sees when this is the final outcome. */
    public Reason reason() {
        return reason;
    }

    /** Whether the connection never came up, so not one byte of the request left: any method may retry. */
    public boolean isConnectFailure() {
        return retryOn == RetryOn.CONNECT_FAILURE;
    }

    /** The {@code outcome} label of {@code rampart_upstream_attempts_total} for an attempt that failed so. */
    public String metricLabel() {
        return name().toLowerCase(Locale.ROOT);
    }
}
