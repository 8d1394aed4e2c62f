package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UnansweredListener;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the retry rules meet the rest of the exchange: the idempotency key counts only as the upstream
 * receives it, the refusal shortcut only when the next pick really moves on, and the reason the client gets
 * when the attempts failed in different ways.
 */
class RetryRulesTest {

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxy;

    /** Breakers off: these tests are about retries, and repeated failures must not trip one. */
    private void startProxy(String endpoints, String extraUpstreamSettings, String retry) {
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [" + endpoints + "], circuit-breaker { enabled = false }" + extraUpstreamSettings + " }",
                "{ name = default, upstream = app, timeout = 10s, retry { " + retry + " } }")));
    }

    private RawHttp.Response postWith(String extraHeaders) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("POST /orders HTTP/1.1\r\nHost: x\r\n" + extraHeaders + "Content-Length: 2\r\n\r\nhi").read();
        }
    }

    /**
     * An upstream that answers 503 twice, then 200 "second", behind a proxy that retries 503s: a first POST
     * that may not be repeated takes one 503, and a keyed POST after it the other, then its retry's 200.
     */
    private FakeUpstream failingTwice() {
        FakeUpstream upstream = closing.add(FakeUpstream.start(
                UpstreamBehavior.failTimes(2, 503, UpstreamBehavior.ok("second"))));
        startProxy("\"" + upstream.authority() + "\"", "", "attempts = 3, backoff { initial = 1ms, max = 1ms }");
        return upstream;
    }

    @Test
    void aKeyTheClientNamedInConnectionIsNotForwardedSoItDoesNotMakeThePostRepeatable() {
        FakeUpstream upstream = failingTwice();

        RawHttp.Response response = postWith("Idempotency-Key: k1\r\nConnection: keep-alive, Idempotency-Key\r\n");

        assertEquals(503, response.status(), response.text());
        assertEquals(1, upstream.requests().size(), "a POST whose key the upstream never sees is sent once");
        assertNull(upstream.requests().get(0).header("Idempotency-Key"), "a Connection-named header is hop-by-hop");
        assertEquals(List.of("method"), proxy.observer.skipped);
    }

    @Test
    void aBlankKeyDoesNotMakeThePostRepeatable() {
        FakeUpstream upstream = failingTwice();

        RawHttp.Response blank = postWith("Idempotency-Key: \r\n");
        assertEquals(503, blank.status(), blank.text());
        assertEquals(1, upstream.requests().size(), "an empty key identifies nothing");

        RawHttp.Response keyed = postWith("Idempotency-Key: order-9\r\n");
        assertEquals(200, keyed.status(), "the same POST with a key is retried: " + keyed.text());
        assertEquals("second", keyed.text());
        assertEquals(3, upstream.requests().size(), "one unkeyed attempt, then a keyed one and its retry");
    }

    @Test
    void aKeyHeaderThatTheProxyAddsItselfDoesNotMakeAPostRepeatable() {
        FakeUpstream upstream = closing.add(FakeUpstream.start(
                UpstreamBehavior.failTimes(2, 503, UpstreamBehavior.ok("second"))));
        startProxy("\"" + upstream.authority() + "\"", "",
                "attempts = 3, idempotency-key-header = \"X-Request-Id\", backoff { initial = 1ms, max = 1ms }");

        RawHttp.Response unkeyed = postWith("");
        assertEquals(503, unkeyed.status(), unkeyed.text());
        assertEquals(1, upstream.requests().size(), "the proxy's own X-Request-Id is no key the client chose");

        RawHttp.Response keyed = postWith("X-Request-Id: order-9\r\n");
        assertEquals(200, keyed.status(), "the client's own X-Request-Id is: " + keyed.text());
        assertEquals(3, upstream.requests().size(), "one unkeyed attempt, then a keyed one and its retry");
    }

    /**
     * A retry that took a round-robin turn moved the rotation twice for each request that failed: with two
     * endpoints every request started on the refusing one. Retries now take turns of their own.
     */
    @Test
    void aRefusingEndpointGetsHalfTheFirstAttemptsUnderRoundRobin() throws Exception {
        FakeUpstream live = closing.add(FakeUpstream.start(UpstreamBehavior.ok("alive")));
        startProxy("\"127.0.0.1:" + FakeUpstream.refusingPort() + "\", \"" + live.authority() + "\"",
                ", load-balancing = round-robin, circuit-breaker { enabled = false }",
                "attempts = 2, backoff { initial = 1ms, max = 1ms }");

        int refusedFirst = 0;
        for (int i = 1; i <= 10; i++) {
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/r/" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), "the retry went to the other endpoint: " + response.body());
            refusedFirst += proxy.observer.awaitExchange(i).attempts() == 2 ? 1 : 0;
        }
        assertEquals(5, refusedFirst, "first attempts alternate: " + proxy.observer.attempts);
    }

    @Test
    void withPreferOtherEndpointOffARefusalWaitsForTheBackoff() throws Exception {
        FakeUpstream live = closing.add(FakeUpstream.start(UpstreamBehavior.ok("alive")));
        int refusing = FakeUpstream.refusingPort();
        // The retry may be picked onto the endpoint that just refused, so it must not go back to back.
        startProxy("\"127.0.0.1:" + refusing + "\", \"" + live.authority() + "\"", ", load-balancing = round-robin",
                "attempts = 2, prefer-other-endpoint = false, backoff { initial = 600ms, max = 600ms, jitter = none }");

        int refusedFirst = 0;
        for (int i = 1; i <= 4; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/r/" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, response.statusCode(), response.body());
            if (proxy.observer.awaitExchange(i).attempts() == 2) {
                refusedFirst++;
                assertTrue(tookMillis >= 500, "the retry after a refusal waited for the backoff: " + tookMillis + " ms");
            }
        }
        assertTrue(refusedFirst > 0, "round robin sent some first attempts to the refusing endpoint: "
                + proxy.observer.attempts);
    }

    @Test
    void aRefusalAfterAConnectTimeoutIsAnsweredAsTheConnectTimeout() throws Exception {
        UnansweredListener silent = closing.add(UnansweredListener.start());
        int refusing = FakeUpstream.refusingPort();
        startProxy("\"" + silent.authority() + "\", \"127.0.0.1:" + refusing + "\"",
                ", load-balancing = random, connect-timeout = 300ms",
                "attempts = 2, backoff { initial = 1ms, max = 1ms }");

        boolean timeoutThenRefusal = false;
        for (int i = 1; i <= 16 && !timeoutThenRefusal; i++) { // at random, until one meets the timeout first
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/t/" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(504, response.statusCode(), response.body());
            assertEquals("UPSTREAM_CONNECT_TIMEOUT", Envelope.parse(response.body()).reason(),
                    "not every tried endpoint refused, whichever was tried last");
            List<String> attempts = proxy.observer.attempts;
            timeoutThenRefusal = List.of("connect_timeout", "connect_refused")
                    .equals(attempts.subList(attempts.size() - 2, attempts.size()));
        }
        assertTrue(timeoutThenRefusal, "some request met the timeout first and the refusal last: "
                + proxy.observer.attempts);
    }
}
