package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UnansweredListener;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way an upstream can fail, produced for real and with one attempt, reaches the client as the
 * catalog's envelope: status, reason, request id, JSON, and the RFC 9209 Proxy-Status error.
 */
class UpstreamErrorsTest {

    private static final String ONE_ATTEMPT = "retry { attempts = 1, per-try-timeout = 400ms }";

    @Test
    void aRefusedConnectIsUpstreamConnectRefused() throws Exception {
        int port = FakeUpstream.refusingPort();
        try (ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + port + "\"", ONE_ATTEMPT))) {
            assertEnvelope(get(proxy), 502, "UPSTREAM_CONNECT_REFUSED", "connection_refused");
        }
    }

    @Test
    void aConnectThatNeverCompletesIsUpstreamConnectTimeout() throws Exception {
        try (UnansweredListener silent = UnansweredListener.start();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                    "app { endpoints = [\"" + silent.authority() + "\"], connect-timeout = 300ms }",
                    "{ name = default, upstream = app, " + ONE_ATTEMPT + " }"))) {
            assertEnvelope(get(proxy), 504, "UPSTREAM_CONNECT_TIMEOUT", "connection_timeout");
        }
    }

    @Test
    void aResetBeforeTheResponseHeadIsUpstreamReset() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.resetBeforeHead());
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ONE_ATTEMPT))) {
            assertEnvelope(get(proxy), 502, "UPSTREAM_RESET", "connection_terminated");
            assertEquals(1, upstream.requests().size(), "one attempt only");
        }
    }

    @Test
    void anUpstreamThatHangsPastThePerTryTimeoutIsUpstreamTimeout() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.hang());
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                     ONE_ATTEMPT + "\ntimeout = 10s"))) {
            long start = System.nanoTime();
            HttpResponse<String> response = get(proxy);
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertEnvelope(response, 504, "UPSTREAM_TIMEOUT", "http_response_timeout");
            assertTrue(elapsedMillis >= 350 && elapsedMillis < 8_000,
                    "answered at the per-try timeout, not the route deadline: " + elapsedMillis + "ms");
            assertEquals(1, upstream.requests().size(), "one attempt only");
        }
    }

    private static HttpResponse<String> get(ProxyHarness proxy) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/fail")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertEnvelope(HttpResponse<String> response, int status, String reason, String proxyStatusError) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(null));
        Envelope envelope = Envelope.parse(response.body());
        assertEquals(status, envelope.code());
        assertEquals(reason, envelope.reason());
        assertEquals("1", envelope.metadata().get("attempts"));
        assertEquals("true", envelope.metadata().get("retryable"));
        String requestId = response.headers().firstValue("x-request-id").orElse(null);
        assertEquals(requestId, envelope.requestId(), "X-Request-Id is the envelope's request_id");
        String proxyStatus = response.headers().firstValue("proxy-status").orElse("");
        assertTrue(proxyStatus.contains("error=" + proxyStatusError), proxyStatus);
    }
}
