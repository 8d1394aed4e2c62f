package dev.rampart.core.auth;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;

/**
 * Why a key set fetch failed, in words an operator acts on: the JDK's client says "ConnectException" for a refused
 * connection and for an unknown host alike, and nothing at all for a redirect it would not follow.
 */
final class FetchFailure extends java.io.IOException {

    FetchFailure(String message) {
        super(message);
    }

    /** The answer was a redirect the client did not follow: from https to http, or one too many. */
    static FetchFailure unfollowedRedirect(int status) {
        return new FetchFailure("HTTP " + status + ": a redirect not followed (from https to http, or more than five)");
    }

    /** How a failed handshake is told, with the JDK's words for why. */
    static String handshakeFailed(javax.net.ssl.SSLHandshakeException e) {
        return "TLS handshake failed: " + e.getMessage();
    }

    static String describe(Throwable failure, URI uri) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host " + uri.getHost();
            }
            if (t instanceof HttpConnectTimeoutException) {
                return "no connection within " + HttpKeySetFetcher.FETCH_SECONDS + " s";
            }
            if (t instanceof HttpTimeoutException) {
                return "no answer within " + HttpKeySetFetcher.FETCH_SECONDS + " s";
            }
        }
        if (cause instanceof javax.net.ssl.SSLHandshakeException handshake) {
            return handshakeFailed(handshake);
        }
        if (cause instanceof ConnectException) {
            return "connection refused or unreachable: " + uri.getHost() + portOf(uri);
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static String portOf(URI uri) {
        return uri.getPort() < 0 ? "" : ":" + uri.getPort();
    }
}
