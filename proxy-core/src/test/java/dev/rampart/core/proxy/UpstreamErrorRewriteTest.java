package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code errors.rewrite-upstream}: which upstream error responses become the envelope, and that nothing of theirs leaks. */
class UpstreamErrorRewriteTest {

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxy;

    private FakeUpstream upstream(UpstreamBehavior behavior) {
        return closing.add(FakeUpstream.start(behavior));
    }

    private ProxyHarness proxyTo(FakeUpstream upstream, String routeExtras) {
        return closing.add(ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", routeExtras)));
    }

    private RawHttp.Response exchange(String path) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").read();
        }
    }

    private static final String LEAKY_BODY = "java.sql.SQLException: login failed for user 'app'\n"
            + "\tat com.example.db.Pool.connect(Pool.java:42)\n"
            + "url=jdbc:postgresql://db-7.internal:5432/orders password=hunter2\n";

    @Test
    void anUpstream500WithInternalsNeverReachesTheClient() {
        FakeUpstream f = upstream((req, reply) -> reply.send(500, "text/plain", LEAKY_BODY,
                "X-Debug-Db", "jdbc:postgresql://db-7.internal:5432/orders", "Server", "Tomcat/9"));
        proxy = proxyTo(f, "retry { attempts = 1 }");

        RawHttp.Response response = exchange("/");

        assertEquals(500, response.status());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_ERROR", envelope.reason());
        assertEquals("false", envelope.metadata("retryable"));
        String everything = response.headers() + "\n" + response.text();
        for (String secret : List.of("SQLException", "Pool.java", "jdbc:", "db-7.internal", "hunter2", "password",
                "Tomcat")) {
            assertFalse(everything.contains(secret), secret + " leaked: " + everything);
        }
        assertTrue(response.header("proxy-status").contains("received-status=500"));
    }

    @Test
    void anUpstream4xxPassesThroughUntouched() {
        FakeUpstream f = upstream((req, reply) -> reply.send(404, "text/plain", "no such order", "X-Order", "42"));
        proxy = proxyTo(f, "");

        RawHttp.Response response = exchange("/orders/42");

        assertEquals(404, response.status());
        assertEquals("no such order", response.text());
        assertEquals("42", response.header("x-order"));
        assertTrue(response.header("content-type").startsWith("text/plain"));
        assertNull(response.header("proxy-status"), "not a proxy error");
    }

    /** Absent, the key means rewrite: nothing of the upstream leaks unless an operator opts out. */
    @Test
    void anUpstreamJsonErrorIsRewrittenUnlessRewriteUpstreamJsonIsOff() {
        String json = "{\"error\":\"validation\",\"field\":\"email\"}";
        FakeUpstream f = upstream((req, reply) -> reply.send(502, "application/problem+json", json));
        proxy = proxyTo(f, "retry { attempts = 1 }");
        RawHttp.Response rewritten = exchange("/");
        assertEquals(502, rewritten.status());
        assertEquals("UPSTREAM_ERROR", Envelope.parse(rewritten.body()).reason());
        assertFalse(rewritten.text().contains("validation"));

        proxy = proxyTo(f, "retry { attempts = 1 }, errors { rewrite-upstream-json = false }");
        RawHttp.Response kept = exchange("/");
        assertEquals(502, kept.status());
        assertEquals(json, kept.text(), "with rewrite-upstream-json = false a JSON error body is kept as it is");
        assertTrue(kept.header("content-type").startsWith("application/problem+json"));
    }

    @Test
    void rewriteUpstreamJsonOffStillRewritesANonJsonErrorBody() {
        FakeUpstream f = upstream((req, reply) -> reply.send(502, "text/html", "<h1>nginx internal</h1>"));
        proxy = proxyTo(f, "retry { attempts = 1 }, errors { rewrite-upstream-json = false }");

        RawHttp.Response response = exchange("/");

        assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
        assertFalse(response.text().contains("nginx"));
    }

    @Test
    void rewriteUpstreamJsonOffRewritesABodyWhoseContentTypeComesOnTwoLines() {
        // A browser takes the last type (Fetch): the first line's JSON would let an HTML page through.
        FakeUpstream f = upstream((req, reply) -> reply.send(502, "application/json", "{\"secret\":\"db01.internal\"}",
                "Content-Type", "text/html"));
        proxy = proxyTo(f, "retry { attempts = 1 }, errors { rewrite-upstream-json = false }");

        RawHttp.Response response = exchange("/");

        assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
        assertFalse(response.text().contains("db01"));
    }

    @Test
    void rewriteUpstream4xxTurnsClientErrorsIntoTheEnvelopeToo() {
        FakeUpstream f = upstream((req, reply) -> reply.send(409, "text/plain", "conflict at row 7 of table orders"));
        proxy = proxyTo(f, "errors { rewrite-upstream = [4xx, 5xx] }");

        RawHttp.Response response = exchange("/");

        assertEquals(409, response.status());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_ERROR", envelope.reason());
        assertEquals("false", envelope.metadata("retryable"));
        assertFalse(response.text().contains("table orders"));
    }

    @Test
    void anUpstream503RetryAfterIsCarriedOnTheEnvelope() {
        FakeUpstream f = upstream((req, reply) -> reply.send(503, "text/plain", "busy", "Retry-After", "7"));
        proxy = proxyTo(f, "retry { attempts = 1 }");

        RawHttp.Response response = exchange("/");

        assertEquals(503, response.status());
        assertEquals("7", response.header("retry-after"));
        assertEquals("true", Envelope.parse(response.body()).metadata("retryable"));
    }

    @Test
    void anUpstream413RetryAfterIsCarriedOnTheEnvelope() {
        // RFC 9110 §15.5.14: a 413 for a condition that passes says when to try again; the rewrite keeps that.
        FakeUpstream f = upstream((req, reply) -> reply.send(413, "text/plain", "quota of uploads used up",
                "Retry-After", "30"));
        proxy = proxyTo(f, "errors { rewrite-upstream = [4xx, 5xx] }");

        RawHttp.Response response = exchange("/");

        assertEquals(413, response.status());
        assertEquals("30", response.header("retry-after"));
        assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
    }

    @Test
    void aRetryAfterOnAnotherClientErrorIsNotCarried() {
        // Only where the status gives the header a meaning (413, 429, 503); on a 409 it says nothing to a client.
        FakeUpstream f = upstream((req, reply) -> reply.send(409, "text/plain", "conflict", "Retry-After", "30"));
        proxy = proxyTo(f, "errors { rewrite-upstream = [4xx, 5xx] }");

        RawHttp.Response response = exchange("/");

        assertEquals(409, response.status());
        assertEquals(null, response.header("retry-after"));
    }

    /** An application that answers CORS itself, as most frameworks do, on the lines of every response. */
    private static final String[] APP_CORS = {"Access-Control-Allow-Origin", "https://app.example.com",
        "Access-Control-Allow-Credentials", "true", "Access-Control-Expose-Headers", "X-Request-Id"};

    private RawHttp.Response crossOrigin(String path) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET " + path + " HTTP/1.1\r\nHost: test\r\nOrigin: https://app.example.com\r\n\r\n")
                    .read();
        }
    }

    @Test
    void aRewrittenErrorKeepsTheCorsAnswerOfAnApplicationThatGivesItsOwn() {
        // Without these lines a browser hands the page's script a network error instead of the envelope: no
        // status, no reason, no request id; nginx relays the application's error with them.
        FakeUpstream f = upstream((req, reply) -> reply.send(503, "text/html", "<h1>db-7.internal down</h1>",
                concat(APP_CORS, "X-Debug-Db", "db-7.internal")));
        proxy = proxyTo(f, "retry { attempts = 1 }");

        RawHttp.Response response = crossOrigin("/");

        assertEquals(503, response.status());
        assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
        assertEquals("https://app.example.com", response.header("access-control-allow-origin"));
        assertEquals("true", response.header("access-control-allow-credentials"));
        assertEquals("X-Request-Id", response.header("access-control-expose-headers"));
        assertNull(response.header("x-debug-db"), "the other lines go with the body");
        assertFalse(response.text().contains("db-7"));
    }

    @Test
    void aRouteWithItsOwnCorsPutsOnlyItsOwnAnswerOnARewrittenError() {
        // Two Access-Control-Allow-Origin lines are a refusal in a browser: the route's replace the upstream's.
        FakeUpstream f = upstream((req, reply) -> reply.send(500, "text/plain", "boom",
                "Access-Control-Allow-Origin", "*", "Access-Control-Expose-Headers", "X-Secret"));
        proxy = proxyTo(f, "retry { attempts = 1 }, cors { allow-origins = [\"https://app.example.com\"] }");

        RawHttp.Response response = crossOrigin("/");

        assertEquals(500, response.status());
        assertEquals("https://app.example.com", response.header("access-control-allow-origin"));
        assertNull(response.header("access-control-expose-headers"), "the upstream's X-Secret is not exposed");
    }

    private static String[] concat(String[] a, String... b) {
        String[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void theLogLineOfAnEndpointGivenByNameNamesTheAddressThatFailed() {
        // A name may stand for many addresses (a headless Service's pods): the log says which one answered 503.
        FakeUpstream named = upstream((req, reply) -> reply.send(503, "text/plain", "busy"));
        FakeUpstream literal = upstream((req, reply) -> reply.send(503, "text/plain", "busy"));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "named { endpoints = [\"localhost:" + named.port() + "\"] }\n"
                        + "literal { endpoints = [\"" + literal.authority() + "\"] }",
                "{ name = n, match { path-prefix = \"/n\" }, upstream = named, retry { attempts = 1 } }\n"
                        + "{ name = l, match { path-prefix = \"/l\" }, upstream = literal, retry { attempts = 1 } }")));
        try (LogCapture log = LogCapture.start()) {
            assertEquals(503, exchange("/n").status());
            assertEquals(503, exchange("/l").status());
            String namedLine = "attempt 1 to localhost:" + named.port() + " at 127.0.0.1:" + named.port() + ": status 503";
            String literalLine = "attempt 1 to " + literal.authority() + ": status 503";
            Await.until(() -> log.dump().contains(namedLine) && log.dump().contains(literalLine),
                    "both lines: " + log.dump());
        }
    }
}
