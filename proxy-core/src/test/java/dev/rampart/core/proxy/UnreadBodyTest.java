package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request the proxy answers itself without its body (a direct response, no route) keeps its connection,
 * as nginx does: the body is read and dropped behind the answer, and the next request on the connection is
 * served, a chunked one past {@code max-request-body} too (the answer promised the connection), and one sent
 * with its head though the client expected {@code 100 Continue}. A body the client only sends when asked, one announced over {@code max-request-body} or one that never arrives ends
 * the connection instead.
 */
class UnreadBodyTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("proxied"));
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + upstream.authority() + "\"] }",
            "{ name = health, match { path-prefix = \"/health\" }, respond { status = 200, body = \"ok\" } }\n"
                    + "{ name = app, match { path-prefix = \"/app\" }, upstream = app }")
            // request-body-timeout well above the tests' 200 ms pauses inside a body, which a loaded machine stretches
            .replace("port = 0 }\n  admin", "port = 0, max-request-body = 1k, request-body-timeout = 1s,"
                    + " request-header-timeout = 300ms, idle-timeout = 60s }\n  admin"));

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void aDirectResponseToARequestWithABodyKeepsTheConnection() {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response answer = raw.send(post("/health", "Content-Length: 5", "hello")).read();
            assertEquals(200, answer.status());
            assertNotEquals("close", answer.header("connection"));
            assertEquals("proxied", raw.send(get("/app/next")).read().text(), "the next request on the same connection");
        }
        assertEquals(List.of("/app/next"), upstream.requests().stream().map(r -> r.uri()).toList());
        assertEquals(5, proxy.observer.awaitExchange(1).bytesIn(), "the dropped body was read: counted, as by nginx");
    }

    @Test
    void aRequestWithNoRouteHasItsChunkedBodyDroppedAndThePipelinedRequestBehindItServed() {
        try (RawHttp raw = proxy.raw()) {
            raw.send(post("/nowhere", "Transfer-Encoding: chunked", "5\r\nhello\r\n0\r\n\r\n") + get("/app/behind"));
            RawHttp.Response notFound = raw.read();
            assertEquals(404, notFound.status());
            assertNotEquals("close", notFound.header("connection"));
            assertEquals("proxied", raw.read().text(), "the request pipelined behind the dropped body");
        }
        List<ExchangeRecord> logged = List.of(proxy.observer.awaitExchange(1), proxy.observer.awaitExchange(2));
        assertEquals(List.of(404, 200), logged.stream().map(ExchangeRecord::status).toList(), "each request logged once");
    }

    @Test
    void aClientWaitingForContinueIsAnsweredAndTheConnectionCloses() {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response answer = raw.send(post("/health", "Content-Length: 5\r\nExpect: 100-continue", "")).read();
            assertEquals(200, answer.status());
            assertEquals("close", answer.header("connection"), "the body will not come: nothing to drop");
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void aClientThatSentItsBodyWithTheHeadDespiteExpectingContinueKeepsTheConnection() {
        // As Python's http.client sends a request with an Expect it was given: head and body in one write.
        for (String body : List.of(post("/health", "Content-Length: 5\r\nExpect: 100-continue", "hello"),
                post("/nowhere", "Transfer-Encoding: chunked\r\nExpect: 100-continue", "5\r\nhello\r\n0\r\n\r\n"))) {
            try (RawHttp raw = proxy.raw()) {
                raw.send(body + get("/app/behind"));
                RawHttp.Response answer = raw.read();
                assertNotEquals(100, answer.status(), "the body is there: no call for it");
                assertNotEquals("close", answer.header("connection"), body);
                RawHttp.Response behind = raw.read();
                assertNotNull(behind, "the connection closed under the pipelined request: " + body);
                assertEquals("proxied", behind.text(), body);
            }
        }
        assertEquals(2, upstream.requests().size());
    }

    @Test
    void aChunkedBodyGrowingPastTheLimitIsDroppedWholeAndThePipelinedRequestBehindItServed() {
        String chunk = "258\r\n" + "x".repeat(600) + "\r\n";
        for (String path : List.of("/health", "/nowhere")) {
            try (RawHttp raw = proxy.raw()) {
                raw.send(post(path, "Transfer-Encoding: chunked", chunk + chunk + "0\r\n\r\n") + get("/app/behind"));
                RawHttp.Response answer = raw.read();
                assertNotEquals("close", answer.header("connection"), path + ": the answer went out saying it stays");
                RawHttp.Response behind = raw.read();
                assertNotNull(behind, path + ": the connection closed under the pipelined request");
                assertEquals("proxied", behind.text(), path + ": 1200 bytes past a 1k limit were dropped, not cut");
            }
        }
        assertEquals(2, upstream.requests().size());
    }

    @Test
    void aBodyThatNeverArrivesEndsTheConnectionAfterTheBodyTimeout() {
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send(post("/health", "Content-Length: 100", "only part")).read().status());
            assertTrue(raw.closedByPeer(), "request-body-timeout ends the wait for the rest");
        }
        assertEquals(200, proxy.observer.awaitExchange(1).status(), "logged once, with the answer it got");
        assertFalse(proxy.observer.exchanges.size() > 1);
    }

    @Test
    void aBodyAnnouncedOverTheLimitIsNotWaitedForTheAnswerSaysClose() {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response notFound = raw.send(post("/nowhere", "Content-Length: 2000", "")).read();
            assertEquals(404, notFound.status());
            assertEquals("close", notFound.header("connection"), "2000 bytes over a 1k limit are not read");
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void theStartOfAHeadThatCameWithTheEndOfABodyRunsTheHeadTimeout() {
        for (String path : List.of("/health", "/app/x")) {
            for (String body : List.of(post(path, "Content-Length: 5", "hello"),
                    post(path, "Transfer-Encoding: chunked", "5\r\nhello\r\n0\r\n\r\n"))) {
                try (RawHttp raw = proxy.raw()) {
                    raw.send(body + "GET " + path + " HTTP/1.1\r\nHo");
                    assertEquals(200, raw.read().status(), body);
                    assertEquals(408, raw.read().status(), body + ": request-header-timeout, not idle-timeout (60 s)");
                }
            }
        }
        try (RawHttp raw = proxy.raw()) { // the end of the body and the head's start in a later read
            assertEquals(200, raw.send(post("/health", "Content-Length: 5", "hel")).read().status());
            raw.send("loGET /health HTTP/1.1\r\nHo");
            assertEquals(408, raw.read().status(), "the dropped body's end and a head behind it");
        }
    }

    @Test
    void theStartOfAHeadBehindTheEndOfAChunkedBodyFromAnEarlierReadRunsTheHeadTimeout() throws Exception {
        for (String path : List.of("/health", "/app/x")) {
            try (RawHttp raw = proxy.raw()) {
                raw.send(post(path, "Transfer-Encoding: chunked", "5\r\nhel"));
                Thread.sleep(200); // the body begins in one read; its end and the next head's start come in another
                raw.send("lo\r\n0\r\n\r\nGET " + path + " HTTP/1.1\r\nHo");
                assertEquals(200, raw.read().status(), path);
                assertEquals(408, raw.read().status(), path + ": request-header-timeout, not idle-timeout (60 s)");
            }
        }
    }

    @Test
    void theStartOfAHeadBehindAHeadWhoseBlankLineStartedAReadRunsTheHeadTimeout() throws Exception {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /app/x HTTP/1.1\r\nHost: x\r\n");
            Thread.sleep(200); // the blank line that ends the head comes with the start of the next head
            raw.send("\r\nGET /app/x HTTP/1.1\r\nHo");
            assertEquals(200, raw.read().status());
            assertEquals(408, raw.read().status(), "request-header-timeout, not idle-timeout (60 s)");
        }
    }

    private static String post(String path, String framing, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n\r\n" + body;
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }
}
