package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the client is told and what the access log records, for the cases that used to disagree. */
class WhatTheProxyReportsTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    private void start(UpstreamBehavior behavior, String serverSettings, String routeExtras) {
        upstream = closing.add(FakeUpstream.start(behavior));
        String routes = "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = \"pong\" } }\n"
                + "{ name = app, match { path-prefix = \"/\" }, upstream = app\n" + routeExtras + " }";
        String config = ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", routes)
                .replace("host = \"127.0.0.1\", port = 0 }", "host = \"127.0.0.1\", port = 0, " + serverSettings + " }");
        proxy = closing.add(ProxyHarness.start(config));
    }

    @Test
    void aClientThatLeavesInTheMiddleOfAHeadIsLoggedOnceAsGone() throws Exception {
        start(UpstreamBehavior.ok("fine"), "request-header-timeout = 30s", "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /partial HTTP/1.1\r\nHost: x\r\nX-Request-Id: partial-1\r\n");
            raw.socket().close();
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(499, record.status());
        assertEquals("CLIENT_CLOSED", record.reason());
        assertEquals("GET", record.method());
        assertEquals("/partial", record.path());
        assertEquals(0, record.bytesOut(), "nothing was sent");
        Thread.sleep(300); // a second report of the same close would be in by now
        assertEquals(1, proxy.observer.exchanges.size(), proxy.observer.exchanges.toString());
    }

    @Test
    void aClientThatLeavesBeforeItsRequestLineIsWholeIsLoggedOnceAsGone() throws Exception {
        start(UpstreamBehavior.ok("fine"), "request-header-timeout = 30s", "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /partia"); // the decoder makes nothing of it: no request line yet
            Thread.sleep(100);
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(499, record.status());
        assertEquals("CLIENT_CLOSED", record.reason());
        assertEquals("-", record.method(), "nginx logs what it read; no method was decoded here");
        assertEquals("-", record.path());
        Thread.sleep(300); // a second report of the same close would be in by now
        assertEquals(1, proxy.observer.exchanges.size(), proxy.observer.exchanges.toString());

        try (RawHttp idle = proxy.raw()) {
            assertEquals(200, idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }
        proxy.observer.awaitExchange(2);
        Thread.sleep(300); // a keep-alive connection closed with nothing of a next request sent is no request
        assertEquals(2, proxy.observer.exchanges.size(), proxy.observer.exchanges.toString());
    }

    @Test
    void aHeadTimeoutIsLoggedOnceNotAgainAsABadRequestWhenTheConnectionCloses() throws Exception {
        start(UpstreamBehavior.ok("fine"), "request-header-timeout = 300ms", "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /slow-head HTTP/1.1\r\nHost: x\r\n");
            assertEquals(408, raw.read().status());
            assertTrue(raw.closedByPeer());
        }
        proxy.observer.awaitExchange(1);
        Thread.sleep(300); // the close's own decoding of the cut head would be logged by now
        assertEquals(1, proxy.observer.exchanges.size(), proxy.observer.exchanges.toString());
        assertEquals(408, proxy.observer.exchanges.get(0).status());
    }

    @Test
    void aRequestLineThatCannotBeReadIsNotLoggedAsTheDecodersPlaceholder() {
        start(UpstreamBehavior.ok("fine"), "idle-timeout = 30s", "");
        try (RawHttp raw = proxy.raw()) {
            assertEquals(400, raw.send("GARBAGE\r\n\r\n").read().status());
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals("-", record.method(), "not GET");
        assertEquals("-", record.path(), "not /bad-request");
    }

    @Test
    void aRefusedTargetsCredentialsAreNotLoggedLikeItsQuery() {
        start(UpstreamBehavior.ok("fine"), "idle-timeout = 30s", "");
        try (RawHttp raw = proxy.raw()) {
            assertEquals(400, raw.send("GET http://user:pa55w0rd@a/ok?tok=1 HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
        }
        assertEquals("http://a/ok", proxy.observer.awaitExchange(1).path());
        // Refused for another reason (a Host that differs): an @ in the path or the query is no userinfo.
        for (String target : new String[] {"http://y/users/@me", "http://y/a?token=abc@secret", "/b#token=abc"}) {
            try (RawHttp raw = proxy.raw()) {
                assertEquals(400, raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            }
        }
        proxy.observer.awaitExchange(4);
        // As a set: each answer is logged once written, and the next connection may be on another event loop.
        assertEquals(java.util.Set.of("http://a/ok", "http://y/users/@me", "http://y/a", "/b"),
                proxy.observer.exchanges.stream().map(ExchangeRecord::path).collect(java.util.stream.Collectors.toSet()),
                "a query and a fragment stay out, an @ in the path stays in");
    }

    @Test
    void theLoggedPathIsTheOneRoutedAndForwarded() {
        start(UpstreamBehavior.ok("fine"), "idle-timeout = 30s", "");
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send("GET /a/../caf\u00c3\u00a9?q=1 HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }
        assertEquals("/caf%C3%A9", proxy.observer.awaitExchange(1).path());
        assertEquals("/caf%C3%A9?q=1", upstream.requests().get(0).uri());
    }

    @Test
    void aResponseCutAtTheRouteDeadlineIsLoggedWithThatReason() throws IOException {
        start(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789"), "idle-timeout = 30s",
                "timeout = 300ms");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /half HTTP/1.1\r\nHost: x\r\n\r\n");
            String all = new String(raw.socket().getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(all.startsWith("HTTP/1.1 200") && all.endsWith("0123456789"), all);
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(200, record.status(), "the status that was sent");
        assertEquals("GATEWAY_TIMEOUT", record.reason(), "and why it ended early");
    }

    @Test
    void aRetried503IsNotTheUpstreamTimeOfAnExchangeWhoseLaterAttemptGotNoHead() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        start((req, reply) -> {
            if (calls.incrementAndGet() == 1) {
                // not kept alive: the retry's reset comes on a fresh connection, not taken for a stale one
                reply.send(503, "text/plain", "busy", "Connection", "close");
            } else {
                reply.reset();
            }
        }, "idle-timeout = 30s",
                "retry { attempts = 2, on = [reset, gateway-error], backoff { initial = 200ms, jitter = none } }");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /flaky HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(502, raw.read(false).status());
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals("UPSTREAM_RESET", record.reason());
        assertEquals(2, record.attempts());
        assertEquals(-1, record.upstreamNanos(), "the only head that came was retried, not used");
    }

    @Test
    void theUpstreamTimeRunsToTheHeadThatWasUsedAcrossTheRetriedOnes() {
        start(UpstreamBehavior.failTimes(1, 503, UpstreamBehavior.ok("fine")), "idle-timeout = 30s",
                "retry { attempts = 2, on = [gateway-error], backoff { initial = 200ms, jitter = none } }");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /flaky HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read(false).status());
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertTrue(record.upstreamNanos() >= 200_000_000L, "the backoff before the used head counts: "
                + record.upstreamNanos());
    }

    @Test
    void aRewrittenUpstream401KeepsItsChallenge() {
        start((req, reply) -> reply.send(401, "text/html", "<h1>login</h1>", "WWW-Authenticate", "Basic realm=\"app\""),
                "idle-timeout = 30s", "errors { rewrite-upstream = [4xx, 5xx] }");
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /private HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(401, response.status());
            assertTrue(response.text().contains("\"UPSTREAM_ERROR\""), response.text());
            assertEquals("Basic realm=\"app\"", response.header("www-authenticate"), "RFC 9110 §15.5.2");
        }
    }

    @Test
    void aRewrittenUpstream407And416KeepTheFieldsTheirStatusesNeed() {
        start((req, reply) -> {
            if (req.uri().equals("/proxied")) {
                reply.send(407, "text/html", "<h1>proxy login</h1>", "Proxy-Authenticate", "Basic realm=\"gw\"");
            } else {
                reply.send(416, "text/html", "<h1>bad range</h1>", "Content-Range", "bytes */1234");
            }
        }, "idle-timeout = 30s", "errors { rewrite-upstream = [4xx, 5xx] }");
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /proxied HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(407, response.status());
            assertTrue(response.text().contains("\"UPSTREAM_ERROR\""), response.text());
            assertEquals("Basic realm=\"gw\"", response.header("proxy-authenticate"), "RFC 9110 §15.5.8");
            response = raw.send("GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=9000-\r\n\r\n").read();
            assertEquals(416, response.status());
            assertTrue(response.text().contains("\"UPSTREAM_ERROR\""), response.text());
            assertEquals("bytes */1234", response.header("content-range"), "RFC 9110 §15.5.17: the current length");
        }
    }

    @Test
    void aRewrittenUpstream426KeepsTheUpgradeItRequiresNamedInConnection() {
        start((req, reply) -> reply.send(426, "text/plain", "upgrade", "Upgrade", "TLS/1.2, HTTP/1.1",
                "Connection", "Upgrade"), "idle-timeout = 30s", "errors { rewrite-upstream = [4xx, 5xx] }");
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /old HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(426, response.status());
            assertTrue(response.text().contains("\"UPSTREAM_ERROR\""), response.text());
            assertEquals("TLS/1.2, HTTP/1.1", response.header("upgrade"), "RFC 9110 §15.5.22");
            assertEquals("upgrade", response.header("connection"), "a sender of Upgrade names it in Connection");
        }
    }

    @Test
    void aRetried405WhoseRetryCouldNotConnectKeepsItsAllow() {
        upstream = closing.add(FakeUpstream.start(
                (req, reply) -> reply.send(405, "text/plain", "no", "Allow", "GET, HEAD")));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\", \"127.0.0.1:" + FakeUpstream.refusingPort()
                        + "\"], load-balancing = random, circuit-breaker { enabled = false } }",
                "{ name = app, upstream = app, retry { attempts = 2, on = [connect-failure], status-codes = [405],"
                        + " backoff { initial = 1ms, max = 1ms } } }")));
        int answeredAfterARefusedRetry = 0;
        for (int i = 0; i < 20; i++) { // at random, a request starts at the 405 and its retry finds the refusal
            try (RawHttp raw = proxy.raw()) {
                RawHttp.Response response = raw.send("GET /r" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertEquals(405, response.status(), response.text());
                assertEquals("GET, HEAD", response.header("allow"), "RFC 9110 §15.5.6, request " + i);
                if ("rampart; received-status=405".equals(response.header("proxy-status"))) {
                    answeredAfterARefusedRetry++;
                }
            }
        }
        assertTrue(answeredAfterARefusedRetry > 0, "some retry found the refusing endpoint");
    }

    @Test
    void aRewritten503IsTheAnswerOfTheLogLineAndTheUpstreamTimeWhetherARefusalCameFirstOrLast() {
        upstream = closing.add(FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "down")));
        // Round robin starts each request at the other endpoint: half of them are refused, then get the 503,
        // half get the 503, then are refused (and the client gets the 503 all the same).
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"127.0.0.1:" + FakeUpstream.refusingPort() + "\", \"" + upstream.authority()
                        + "\"], circuit-breaker { enabled = false } }",
                "{ name = app, upstream = app, retry { attempts = 2, on = [connect-failure, gateway-error],"
                        + " backoff { initial = 1ms, max = 1ms } } }")));
        try (dev.rampart.core.testing.LogCapture log = dev.rampart.core.testing.LogCapture.start()) {
            for (int i = 0; i < 4; i++) {
                try (RawHttp raw = proxy.raw()) {
                    RawHttp.Response response = raw.send("GET /down HTTP/1.1\r\nHost: x\r\n\r\n").read();
                    assertEquals(503, response.status(), response.text());
                }
            }
            Await.until(() -> log.dump().lines().filter(l -> l.contains("answered 503 UPSTREAM_ERROR")).count() == 4,
                    "a log line per request");
            java.util.List<String> lines = log.dump().lines().filter(l -> l.contains("answered 503")).toList();
            assertTrue(lines.stream().anyMatch(l -> l.contains("CONNECT_REFUSED")), "the refusals are there too");
            for (String line : lines) {
                assertTrue(line.contains(upstream.authority() + ": status 503")
                        || line.contains("the earlier status 503 of " + upstream.authority()), line);
            }
            for (int i = 1; i <= 4; i++) {
                ExchangeRecord record = proxy.observer.awaitExchange(i);
                assertTrue(record.upstreamNanos() >= 0, "the 503's head is the one used: " + record);
            }
        }
    }

    @Test
    void acceptOnSeveralLinesIsOneListAndTheProxysAnswersAreDated() {
        start(UpstreamBehavior.ok("fine"), "idle-timeout = 30s", "");
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response problem = raw.send("GET /a\u0000b HTTP/1.1\r\nHost: x\r\n"
                    + "Accept: text/html\r\nAccept: application/problem+json\r\n\r\n").read();
            assertEquals(400, problem.status());
            assertEquals("application/problem+json", problem.header("content-type"));
            assertDated(problem);
        }
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response direct = raw.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals("pong", direct.text());
            assertDated(direct);
        }
    }

    private static void assertDated(RawHttp.Response response) {
        String date = response.header("date");
        assertNotNull(date, "an answer of the proxy's own carries Date");
        ZonedDateTime parsed = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME);
        assertTrue(Math.abs(parsed.toEpochSecond() - System.currentTimeMillis() / 1000) < 60, date);
    }
}
