package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every routing rule of PRODUCT.md §2 end to end: host (exact and {@code *.suffix}), path-prefix,
 * path-regex, methods, headers, first match wins, strip-prefix, replace-prefix, preserve-host,
 * direct responses and ROUTE_NOT_FOUND; then the three load-balancing policies.
 */
class RoutingTest {

    private static FakeUpstream one;
    private static FakeUpstream two;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        one = FakeUpstream.start(answering("one"));
        two = FakeUpstream.start(answering("two"));
        proxy = ProxyHarness.start(ProxyHarness.config(
                "one { endpoints = [\"" + one.authority() + "\"] }\n"
                        + "two { endpoints = [\"" + two.authority() + "\"] }",
                """
                { name = direct, match { path-prefix = "/health" }, respond { status = 203, body = "direct ok", content-type = "text/plain" } }
                { name = unchanged, match { path-prefix = "/unchanged" }, respond { status = 304 } }
                { name = nothing, match { path-prefix = "/nothing" }, respond { status = 204 } }
                { name = exact-host, match { host = "api.example.com" }, upstream = one, rewrite { strip-prefix = "/api" } }
                { name = wildcard-host, match { host = "*.example.org" }, upstream = two }
                { name = writes, match { path-prefix = "/write", methods = [POST, PUT] }, upstream = two }
                { name = canary, match { path-prefix = "/canary", headers { "x-canary" = "1" } }, upstream = two }
                { name = canary-fallback, match { path-prefix = "/canary" }, upstream = one }
                { name = orders, match { path-regex = "^/v[0-9]+/orders" }, upstream = two }
                { name = legacy, match { path-prefix = "/legacy" }, upstream = one, rewrite { replace-prefix { from = "/legacy", to = "/v2" } } }
                { name = keep-host, match { path-prefix = "/keep-host" }, upstream = one, preserve-host = true }
                { name = static, match { path-prefix = "/static" }, upstream = one }
                """));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        one.close();
        two.close();
    }

    private static UpstreamBehavior answering(String name) {
        return (req, reply) -> reply.send(200, "text/plain", name + " " + req.uri());
    }

    @Test
    void anExactHostMatchesOnlyThatHostAndStripPrefixRemovesThePrefix() {
        assertEquals("one /orders/7?x=1", get("api.example.com", "GET", "/api/orders/7?x=1").text());
        assertEquals("one /orders/7", get("API.Example.com:8080", "GET", "/api/orders/7").text(),
                "host names compare case-insensitively and without the port");
        assertEquals(404, get("other.example.com", "GET", "/api/orders/7").status());
    }

    @Test
    void aWildcardHostMatchesSubdomainsOnly() {
        assertEquals("two /x", get("shop.example.org", "GET", "/x").text());
        assertEquals("two /x", get("a.b.example.org", "GET", "/x").text());
        assertEquals(404, get("example.org", "GET", "/x").status(), "*.example.org does not match the bare domain");
    }

    @Test
    void methodsRestrictARoute() {
        assertEquals("two /write", get("x", "POST", "/write").text());
        assertEquals("two /write", get("x", "PUT", "/write").text());
        assertEquals(404, get("x", "GET", "/write").status(), "GET is not among the route's methods");
    }

    @Test
    void headersMustMatchAndTheFirstMatchingRouteWins() {
        assertEquals("two /canary", get("x", "GET", "/canary", "X-Canary: 1").text());
        assertEquals("one /canary", get("x", "GET", "/canary", "X-Canary: 0").text(),
                "a different value falls through to the next route");
        assertEquals("one /canary", get("x", "GET", "/canary").text());
        assertEquals("two /canary", get("x", "GET", "/canary", "X-Canary: 1", "X-Canary: 1").text(),
                "a repeated line matches: repeating a header must not slip past a route that matches it");
        assertEquals("two /canary", get("x", "GET", "/canary", "X-Canary: 0", "X-Canary: 1").text(),
                "whichever line carries the value");
        assertEquals("one /canary", get("x", "GET", "/canary", "X-Canary: 1, 0").text(), "one line, another value");
    }

    @Test
    void aPathRegexMatchesThePath() {
        assertEquals("two /v12/orders/1", get("x", "GET", "/v12/orders/1").text());
        assertEquals(404, get("x", "GET", "/vX/orders").status());
    }

    @Test
    void replacePrefixRewritesThePathAndKeepsTheQuery() {
        assertEquals("one /v2/items?page=2", get("x", "GET", "/legacy/items?page=2").text());
    }

    @Test
    void preserveHostSendsTheClientsHostAndOtherwiseTheEndpointsIsSent() {
        get("client.example:9000", "GET", "/keep-host/a");
        get("client.example:9000", "GET", "/static/a");
        RecordedRequest kept = lastRequest(one, "/keep-host/a");
        RecordedRequest replaced = lastRequest(one, "/static/a");
        assertEquals("client.example:9000", kept.header("host"));
        assertEquals(one.authority(), replaced.header("host"));
        assertEquals("client.example:9000", replaced.header("x-forwarded-host"));
    }

    @Test
    void aDirectResponseRouteAnswersWithoutAnUpstream() {
        int before = one.requests().size() + two.requests().size();
        RawHttp.Response response = get("x", "GET", "/health");
        assertEquals(203, response.status());
        assertEquals("direct ok", response.text());
        assertEquals("text/plain", response.header("content-type"));
        assertTrue(response.header("x-request-id") != null);
        assertEquals(before, one.requests().size() + two.requests().size(), "no upstream was called");
    }

    @Test
    void aDirectResponseWithoutContentHasNoContentHeaders() {
        // A 304's Content-Length would be the length of the 200 it stands for (RFC 9110 §8.6); a type types nothing.
        RawHttp.Response notModified = get("x", "GET", "/unchanged");
        assertEquals(304, notModified.status());
        assertEquals(null, notModified.header("content-length"));
        assertEquals(null, notModified.header("content-type"));
        RawHttp.Response noContent = get("x", "GET", "/nothing");
        assertEquals(204, noContent.status());
        assertEquals(null, noContent.header("content-length"));
        assertEquals(null, noContent.header("content-type"));
        assertTrue(noContent.header("x-request-id") != null);
    }

    @Test
    void noMatchingRouteIsTheRouteNotFoundEnvelope() {
        RawHttp.Response response = get("x", "GET", "/nowhere");
        assertEquals(404, response.status());
        assertEquals("application/json", response.header("content-type"));
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("ROUTE_NOT_FOUND", envelope.reason());
        assertEquals(404, envelope.code());
        assertEquals(response.header("x-request-id"), envelope.requestId());
    }

    // ---- load balancing ----------------------------------------------------------------------------

    @Test
    void roundRobinSpreadsRequestsEvenly() throws Exception {
        try (FakeUpstream a = FakeUpstream.start(answering("a"));
             FakeUpstream b = FakeUpstream.start(answering("b"));
             ProxyHarness rr = ProxyHarness.start(balanced("round-robin", a, b))) {
            for (int i = 0; i < 40; i++) {
                assertEquals(200, send(rr, "/rr/" + i).statusCode());
            }
            assertEquals(20, a.requests().size(), "round-robin alternates: a got " + a.requests().size());
            assertEquals(20, b.requests().size());
        }
    }

    @Test
    void randomUsesBothEndpoints() throws Exception {
        try (FakeUpstream a = FakeUpstream.start(answering("a"));
             FakeUpstream b = FakeUpstream.start(answering("b"));
             ProxyHarness random = ProxyHarness.start(balanced("random", a, b))) {
            for (int i = 0; i < 60; i++) {
                assertEquals(200, send(random, "/random/" + i).statusCode());
            }
            assertTrue(a.requests().size() > 0 && b.requests().size() > 0,
                    "both used: a=" + a.requests().size() + " b=" + b.requests().size());
            assertEquals(60, a.requests().size() + b.requests().size());
        }
    }

    @Test
    void leastRequestPrefersTheIdleEndpointWhileTheOtherIsBusy() throws Exception {
        List<UpstreamReply> held = new CopyOnWriteArrayList<>();
        UpstreamBehavior holdSlow = (req, reply) -> {
            if (req.uri().startsWith("/slow")) {
                held.add(reply); // busy until the test lets it answer
            } else {
                reply.send(200, "text/plain", "fast");
            }
        };
        try (FakeUpstream a = FakeUpstream.start(holdSlow);
             FakeUpstream b = FakeUpstream.start(holdSlow);
             ProxyHarness lr = ProxyHarness.start(balanced("least-request", a, b))) {
            CompletableFuture<HttpResponse<String>> slow = lr.client().sendAsync(
                    HttpRequest.newBuilder(lr.uri("/slow")).build(), HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (held.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, held.size(), "the slow request reached an endpoint");
            FakeUpstream busy = a.requests().isEmpty() ? b : a;
            FakeUpstream idle = busy == a ? b : a;
            for (int i = 0; i < 20; i++) {
                assertEquals("fast", send(lr, "/fast/" + i).body());
            }
            assertEquals(20, idle.requests().size(), "every request went to the idle endpoint");
            assertEquals(1, busy.requests().size(), "the busy endpoint got nothing more");
            held.get(0).send(200, "text/plain", "slow done");
            assertEquals("slow done", slow.get(10, TimeUnit.SECONDS).body());
        }
    }

    private static String balanced(String policy, FakeUpstream a, FakeUpstream b) {
        return ProxyHarness.config(
                "app { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"], load-balancing = " + policy + " }",
                "{ name = default, upstream = app }");
    }

    private static HttpResponse<String> send(ProxyHarness p, String path) throws Exception {
        return p.client().send(HttpRequest.newBuilder(p.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAbsoluteFormTargetIsRoutedAndRewrittenAsItsPath() {
        assertEquals("one /v2/items?page=2", get("x", "GET", "http://x/legacy/items?page=2").text(),
                "the upstream gets the rewritten origin-form, not the client's absolute URI");
        assertEquals("one /orders/7", get("api.example.com", "GET", "http://api.example.com/api/orders/7").text());
    }

    @Test
    void aUrlInTheQueryIsNoPartOfThePathRoutesMatch() {
        assertEquals(203, get("x", "GET", "/health?next=http://x/static/a").status(), "routed by /health");
        assertEquals("one /v2/login?next=https://example.org/home",
                get("x", "GET", "/legacy/login?next=https://example.org/home").text());
        assertEquals(404, get("x", "GET", "/nowhere?u=http://h/static").status(), "not by the path in the query");
        assertEquals("one /static/x?u=http://api.example.com/api",
                get("x", "GET", "http://x/static/x?u=http://api.example.com/api").text(), "absolute-form too");
    }

    @Test
    void anHttp10AbsoluteFormRequestWithoutHostIsRoutedAndForwardedByItsTargetsHost() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET http://api.example.com/api/orders/7 HTTP/1.0\r\n\r\n");
            assertEquals("one /orders/7", raw.read().text(), "the exact-host route, by the target's host");
        }
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET http://shop.example.com:8080/keep-host/a HTTP/1.0\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        assertEquals("shop.example.com:8080", lastRequest(one, "/keep-host/a").header("host"),
                "preserve-host forwards the host the target named");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /api/orders/7 HTTP/1.0\r\n\r\n");
            assertEquals(404, raw.read().status(), "origin-form without Host: no route with a host takes it");
        }
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /static/no-host HTTP/1.0\r\nX-Forwarded-Host: evil.example\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        assertEquals(null, lastRequest(one, "/static/no-host").header("x-forwarded-host"),
                "without Host the proxy has none to send, and the client's own claim goes no further");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET http://u@api.example.com/api/x HTTP/1.0\r\n\r\n");
            assertEquals(400, raw.read().status(), "userinfo in the target is still refused");
        }
    }

    @Test
    void dotSegmentsEncodedDotsAndRepeatedSlashesAreResolvedBeforeRouting() {
        assertEquals(203, get("x", "GET", "/static/../health").status(), "matched as /health");
        assertEquals(203, get("x", "GET", "/static/%2e%2E/health").status(), "encoded dots are dots");
        assertEquals(203, get("x", "GET", "//health").status());
        assertEquals(203, get("x", "GET", "/./%68ealth").status(), "an encoded letter is that letter");
        assertEquals("one /static/x", get("x", "GET", "/legacy/../static/x").text(),
                "a path that leaves a rewritten prefix is routed where it lands, not rewritten");
        assertEquals("one /v2/a/b?q=/../", get("x", "GET", "/legacy//a/./b?q=/../").text(), "the query is left alone");
    }

    @Test
    void aRewriteThatWouldMakeADotSegmentIsRefused() {
        assertEquals(400, get("api.example.com", "GET", "/api../secret").status(),
                "strip-prefix would leave /../secret: routed by /api, served as /secret");
    }

    @Test
    void anEscapedSlashCannotWalkPastARouteButIsForwardedAsItCame() {
        assertEquals(203, get("x", "GET", "/%2Fhealth").status(), "routed as //health, that is /health");
        assertEquals(400, get("x", "GET", "/static%2F..%2Fhealth").status(),
                "a dot segment only the escaped slash makes: routed as /health, served as /static/../health by some");
        assertEquals("one /static/a%2Fb", get("x", "GET", "/static/a%2fb").text(),
                "no rewrite: the upstream gets the slash still escaped (a segment may hold one)");
        assertEquals("one /v2/a/b", get("x", "GET", "/legacy/a%2Fb").text(),
                "a rewrite works on the path the route matched, as nginx's proxy_pass with a URI does");
    }

    @Test
    void aFragmentOrAnEscapeMadeOfEscapesIsRefusedNotResolved() {
        assertEquals(400, get("x", "GET", "/static#/../health").status(), "no route by a path behind a fragment");
        assertEquals(400, get("x", "GET", "/static/%%32%65%%32%65/health").status(), "would decode to %2e%2e");
        assertEquals(400, get("x", "GET", "/static/a%00.png").status(), "an encoded NUL");
    }

    @Test
    void bytesAboveAsciiInTheTargetArePercentEncodedAndControlCharactersAreRefused() {
        assertEquals("one /static/caf%C3%A9?q=%C3%A9", get("x", "GET", "/static/caf\u00c3\u00a9?q=\u00c3\u00a9").text(),
                "the client's UTF-8 bytes, escaped, not re-encoded as other bytes");
        assertEquals(400, get("x", "GET", "/static/a\u0000b").status());
        assertEquals(400, get("x", "GET", "/static/a\u001bb").status());
        assertEquals(400, get("x", "GET", "/static/a\u007fb").status());
    }

    @Test
    void aHostThatIsNotAHostIsRefused() {
        for (String host : List.of("a b", "x/y", "evil.com#.example.org", "x:80a", "[zz]", "api.example.com..",
                ".b.example.org", "a..example.org", "evil.com,api.example.com", "evil.com;api.example.com",
                "evil%2ecom", "", ":80", "a!b.example.org", "[1::2::3]", "[::1:]", "[:]", "[1:2:3:4:5:6:7:8:9]",
                "[12345::]", "[::1.2.3.4.5]", "[1.2.3.4]", "[::1]x")) {
            assertEquals(400, get(host, "GET", "/static/a").status(), host);
        }
        assertEquals(200, get("[::1]:8080", "GET", "/static/a").status());
        assertEquals(200, get("[::FFFF:192.0.2.1]", "GET", "/static/a").status());
        assertEquals("one /orders/7", get("api.example.com.", "GET", "/api/orders/7").text(), "one trailing dot is a name");
        assertEquals(200, get("my_host.internal:", "GET", "/static/a").status());
    }

    @Test
    void everyXForwardedForAndViaLineIsPartOfTheList() {
        get("x", "GET", "/static/lines", "X-Forwarded-For: 1.1.1.1, 2.2.2.2", "X-Forwarded-For: 3.3.3.3",
                "Via: 1.0 a", "Via: 1.1 b");
        RecordedRequest seen = lastRequest(one, "/static/lines");
        assertEquals("1.1.1.1, 2.2.2.2, 3.3.3.3, 127.0.0.1", seen.header("x-forwarded-for"));
        assertEquals("1.0 a, 1.1 b, 1.1 rampart", seen.header("via"));
    }

    private static RawHttp.Response get(String host, String method, String path, String... headers) {
        try (RawHttp raw = proxy.raw()) {
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : headers) {
                request.append(h).append("\r\n");
            }
            if (method.equals("POST") || method.equals("PUT")) {
                request.append("Content-Length: 0\r\n");
            }
            raw.send(request.append("\r\n").toString());
            return raw.read();
        }
    }

    private static RecordedRequest lastRequest(FakeUpstream upstream, String uri) {
        return upstream.requests().stream().filter(r -> r.uri().equals(uri)).reduce((x, y) -> y)
                .orElseThrow(() -> new AssertionError("no request for " + uri));
    }
}
