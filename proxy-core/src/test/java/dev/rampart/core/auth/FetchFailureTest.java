package dev.rampart.core.auth;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The WARN wording docs/configuration.md promises for a failed jwks-uri fetch. */
class FetchFailureTest {

    private static final URI URI_ = URI.create("https://keys.example:8443/jwks");

    @Test
    void eachFailureIsSaidInTheDocumentedWords() {
        assertEquals("unknown host keys.example", FetchFailure.describe(
                new CompletionException((ConnectException) new ConnectException("x").initCause(new UnknownHostException("keys.example"))), URI_));
        assertEquals("no connection within 10 s", FetchFailure.describe(
                new CompletionException(new HttpConnectTimeoutException("HTTP connect timed out")), URI_));
        assertEquals("no answer within 10 s", FetchFailure.describe(
                new CompletionException(new HttpTimeoutException("request timed out")), URI_));
        assertEquals("connection refused or unreachable: keys.example:8443",
                FetchFailure.describe(new CompletionException(new ConnectException()), URI_));
        assertEquals("connection refused or unreachable: keys.example",
                FetchFailure.describe(new ConnectException(), URI.create("https://keys.example/jwks")));
        assertEquals("TLS handshake failed: PKIX path building failed", FetchFailure.describe(
                new CompletionException(new javax.net.ssl.SSLHandshakeException("PKIX path building failed")), URI_));
    }
}
