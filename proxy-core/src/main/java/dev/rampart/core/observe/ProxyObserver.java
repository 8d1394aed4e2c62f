package dev.rampart.core.observe;

/**
 * The seam between the proxy and its metrics and logs. Called on event loops: implementations must be
 * cheap and must not block. Every method has a no-op default so an observer implements what it needs.
 */
public interface ProxyObserver {

    /** Observes nothing. */
    ProxyObserver NOOP = new ProxyObserver() {
    };

    /** An exchange finished (successfully, with an error, or because the client went away). */
    default void onExchangeComplete(ExchangeRecord record) {
    }

    /**
     * One upstream attempt ended.
     *
     * @param outcome {@code success}, {@code status_5xx}, or a failure kind in lower case
     *                ({@code connect_refused}, {@code timeout}, {@code reset}, ...)
     */
    default void onAttempt(String upstream, String endpoint, String outcome) {
    }

    /** A retry was scheduled, with its cause ({@code connect-failure}, {@code 5xx}, ...). */
    default void onRetry(String route, String cause) {
    }

    /** A retry that the failure asked for was not made ({@code budget, body, method, deadline, attempts}). */
    default void onRetrySkipped(String route, String why) {
    }

    /** A client connection opened (+1) or closed (-1). */
    default void onClientConnection(int delta) {
    }

    /** A client connection was closed as soon as it was accepted: {@code max-connections} were open. */
    default void onClientConnectionRefused() {
    }

    /**
     * A request waits for a connection to an endpoint: its event loop's share of {@code max-connections-per-endpoint}
     * is all in use.
     */
    default void onPoolWait() {
    }

    /**
     * A response a route would have compressed went as it came: {@code server.max-compressed-responses} responses
     * were being compressed.
     */
    default void onCompressionLimited() {
    }

    /** A client's TLS handshake with the listener failed, for the reason {@code reason} ({@code HandshakeFailure}). */
    default void onClientTlsHandshakeFailed(String reason) {
    }

    /**
     * A client connection on a listener with {@code proxy-protocol} on was closed before its PROXY protocol
     * header was read.
     */
    default void onProxyProtocolFailed(ProxyProtocolFailure why) {
    }

    /** A fetch of a {@code jwks-uri} ended: with keys the proxy took ({@code true}), or without ({@code false}). */
    default void onKeySetFetch(boolean succeeded) {
    }
}
