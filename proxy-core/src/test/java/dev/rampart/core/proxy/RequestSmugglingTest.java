package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every request whose framing or target two HTTP parsers could read differently is refused with 400
 * and a closed connection, and nothing of it, least of all a request hidden in its body, reaches the
 * upstream. Each case sends a "smuggled" second request right behind the ambiguous one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestSmugglingTest {

    // One instance for the class (PER_CLASS), so one proxy and upstream for all its tests.
    private final ProxiedEchoUpstream echo = ProxiedEchoUpstream.start();

    @AfterAll
    void stop() {
        echo.close();
    }

    @BeforeEach
    void reset() {
        echo.upstream().behave(UpstreamBehavior.echo());
    }

    static Stream<Arguments> ambiguousRequests() {
        return Stream.of(
                Arguments.of("Content-Length with Transfer-Encoding",
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("Transfer-Encoding with Content-Length",
                        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n"),
                Arguments.of("two differing Content-Length headers",
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 36\r\n\r\n"),
                Arguments.of("a Content-Length list",
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 36\r\n\r\n"),
                Arguments.of("a signed Content-Length",
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: +0\r\n\r\n"),
                Arguments.of("a negative Content-Length",
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
                Arguments.of("a hexadecimal Content-Length",
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0x0\r\n\r\n"),
                Arguments.of("an overflowing Content-Length",
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n"),
                Arguments.of("whitespace between header name and colon",
                        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("a folded Transfer-Encoding",
                        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("a folded header line",
                        "GET /a HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n"),
                Arguments.of("a header line folded with a tab",
                        "GET /a HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n\tContent-Length: 36\r\n\r\n"),
                Arguments.of("NUL inside a header value",
                        "GET /a HTTP/1.1\r\nHost: x\r\nX-Note: a\u0000b\r\n\r\n"),
                Arguments.of("a bare CR inside a header value",
                        "GET /a HTTP/1.1\r\nHost: x\r\nX-Note: a\rContent-Length: 36\r\n\r\n"),
                Arguments.of("bare LF line endings",
                        "GET /a HTTP/1.1\nHost: x\nContent-Length: 0\n\n"),
                Arguments.of("a bare LF ending one header line",
                        "GET /a HTTP/1.1\r\nHost: x\nContent-Length: 36\r\n\r\n"),
                Arguments.of("two Host headers",
                        "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
                Arguments.of("a Host port above 65535",
                        "GET /a HTTP/1.1\r\nHost: x:65536\r\n\r\n"),
                Arguments.of("an absolute-form target naming another host",
                        "GET http://internal.example/admin HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("an absolute-form target naming another port",
                        "GET http://x:8080/admin HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("an absolute-form target with userinfo",
                        "GET http://x@evil/ HTTP/1.1\r\nHost: x\r\n\r\n"),
                // A later major version written as RFC 9112 §2.3 spells one is a 505 (OtherHttpVersionsOnTheListenerTest);
                // one written otherwise is malformed, whatever version Netty would read it as (nginx answers HTTP/2 and
                // HTTP/10.0 with 505, having read only their first major digit).
                Arguments.of("a major version without its minor",
                        "GET /a HTTP/2\r\nHost: x\r\n\r\n"),
                Arguments.of("a later major version in lower case",
                        "GET /a http/2.0\r\nHost: x\r\n\r\n"),
                Arguments.of("a two-digit major version",
                        "GET /a HTTP/10.0\r\nHost: x\r\n\r\n"),
                Arguments.of("HTTP/0.9 named as a version",
                        "GET /a HTTP/0.9\r\nHost: x\r\n\r\n"),
                // RFC 9112 §2.3: one digit each side of the dot, and the name in upper case (nginx takes both).
                Arguments.of("a two-digit minor version",
                        "GET /a HTTP/1.10\r\nHost: x\r\n\r\n"),
                Arguments.of("a minor version with a leading zero",
                        "GET /a HTTP/1.01\r\nHost: x\r\n\r\n"),
                Arguments.of("the protocol name in lower case",
                        "GET /a http/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("HTTP/1.1 without Host",
                        "GET /a HTTP/1.1\r\n\r\n"),
                Arguments.of("a space in the request target",
                        "GET /a HTTP/1.1 /b HTTP/1.1\r\nHost: x\r\n\r\n"),
                // RFC 9112 §3.2.4: the asterisk-form is OPTIONS's only; a catch-all regex route would forward it.
                Arguments.of("GET with the asterisk-form target",
                        "GET * HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("POST with the asterisk-form target",
                        "POST * HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
                // A reverse proxy opens no tunnels: forwarded, a CONNECT's 2xx would start one nobody carries.
                Arguments.of("CONNECT with an origin-form target",
                        "CONNECT /p HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("CONNECT with an absolute-form target",
                        "CONNECT http://x/p HTTP/1.1\r\nHost: x\r\n\r\n"),
                // Methods are case-sensitive; an upstream that upper-cases them would run what methods = [DELETE]
                // keeps out of a route (nginx: 400 too).
                Arguments.of("a method in lower case",
                        "delete /a HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("a method in mixed case",
                        "Get /a HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ambiguousRequests")
    void anAmbiguousHeadIsRefusedAndNothingReachesTheUpstream(String name, String request) {
        echo.assertRefusedAndNothingForwarded(request, 400, "BAD_REQUEST");
    }

    @Test
    void aCatchAllRegexRouteForwardsTheAsteriskFormOnlyForOptions() {
        try (ProxyHarness regex = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + echo.upstream().authority() + "\"] }",
                "{ name = all, match { path-regex = \".*\" }, upstream = app }"))) {
            int before = echo.forwardedCount();
            try (RawHttp raw = regex.raw()) {
                raw.send("GET * HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(400, raw.read().status());
            }
            assertNothingForwardedSince(before);
            try (RawHttp raw = regex.raw()) {
                raw.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, raw.read().status(), "OPTIONS * is a request like any other for a route that takes it");
            }
            assertEquals("*", echo.upstream().requests().get(before).uri());
        }
    }

    static Stream<Arguments> brokenChunkedBodies() {
        String head = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        return Stream.of(
                Arguments.of("a chunk size that overflows", head + "5\r\nhello\r\nFFFFFFFFFFFFFFFFFF5\r\nab\r\n0\r\n\r\n"),
                Arguments.of("a chunk size with a sign", head + "5\r\nhello\r\n-1\r\na\r\n0\r\n\r\n"),
                Arguments.of("a chunk size with whitespace", head + "5\r\nhello\r\n1 \r\na\r\n0\r\n\r\n"),
                Arguments.of("a chunk extension with NUL", head + "5\r\nhello\r\n1;a\u0000b\r\na\r\n0\r\n\r\n"),
                Arguments.of("a chunk extension with a bare LF", head + "5\r\nhello\r\n1;a\nb\r\na\r\n0\r\n\r\n"),
                Arguments.of("chunk data longer than its size", head + "5\r\nhelloXX0\r\n\r\n"),
                Arguments.of("a zero-length chunk hiding a request", head + "5\r\nhello\r\n0x0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenChunkedBodies")
    void aBrokenChunkedBodyIsRefusedAndTheUpstreamNeverSeesItComplete(String name, String request) {
        int before = echo.forwardedCount();
        int connectionsBefore = echo.upstream().connectionsAccepted();
        try (RawHttp raw = echo.raw()) {
            raw.send(request + RefusedRequests.SMUGGLED);
            assertBadRequestThenClose(raw);
        }
        // The head may already have been forwarded; the request must be cut off, not completed.
        assertNothingForwardedSince(before);
        // A healthy request afterwards still works, so the cut connection was not put back in the pool.
        try (RawHttp raw = echo.raw()) {
            raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        assertTrue(echo.upstream().connectionsAccepted() >= connectionsBefore);
    }

    @Test
    void aFoldSplitAcrossTwoReadsIsStillRefused() throws Exception {
        int before = echo.forwardedCount();
        try (RawHttp raw = echo.raw()) {
            raw.send("GET /a HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n");
            Thread.sleep(50); // two separate TCP segments, so the guard sees the LF and the space in different reads
            raw.send(" b\r\n\r\n" + RefusedRequests.SMUGGLED);
            assertBadRequestThenClose(raw);
        }
        assertNothingForwardedSince(before);
    }

    @Test
    void bodyBytesThatLookLikeAFoldAreForwardedUntouched() {
        int before = echo.forwardedCount();
        String body = "line one\n line two\r\n\tline three\n";
        try (RawHttp raw = echo.raw()) {
            raw.send("POST /text HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                    + "POST /chunks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n"
                    + "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(body, raw.read().text());
            assertEquals(body, raw.read().text());
            assertEquals(200, raw.read().status());
        }
        assertEquals(List.of("/text", "/chunks", "/after"), echo.urisForwardedSince(before).subList(0, 3));
    }

    @Test
    void aValidChunkExtensionIsAcceptedAndTheBodyArrivesWhole() {
        int before = echo.forwardedCount();
        try (RawHttp raw = echo.raw()) {
            raw.send("POST /ext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=value\r\nhello\r\n0\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertEquals("hello", response.text());
        }
        assertEquals(before + 1, echo.forwardedCount());
    }

    @Test
    void theUpstreamRequestIsFramedByTheProxyNotByTheClientsHeaders() {
        int before = echo.forwardedCount();
        try (RawHttp raw = echo.raw()) {
            raw.send("POST /framed HTTP/1.1\r\nHost: x\r\nContent-Length: 005\r\nConnection: keep-alive\r\n\r\nhello");
            assertEquals("hello", raw.read().text());
            raw.send("POST /framed HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            assertEquals("hello", raw.read().text());
        }
        List<RecordedRequest> seen = echo.forwardedSince(before);
        assertEquals(2, seen.size());
        assertEquals("5", seen.get(0).header("x-original-content-length"), "the length is re-serialised");
        assertEquals(null, seen.get(0).header("x-original-transfer-encoding"));
        assertEquals("chunked", seen.get(1).header("x-original-transfer-encoding"), "the coding is re-serialised");
        assertEquals(null, seen.get(1).header("x-original-content-length"));
    }

    @Test
    void anAbsoluteFormTargetThatAgreesWithHostIsForwarded() {
        int before = echo.forwardedCount();
        try (RawHttp raw = echo.raw()) {
            raw.send("GET http://X:80/ok HTTP/1.1\r\nHost: x:80\r\n\r\n");
            assertEquals(200, raw.read().status());
            raw.send("GET http://x/ok HTTP/1.1\r\nHost: x:80\r\n\r\n");
            assertEquals(200, raw.read().status(), "the default port names the same authority");
            raw.send("GET http://x:/ok HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status(), "an empty port is the default port (RFC 3986 section 6.2.3)");
            raw.send("GET http://x:080/ok HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status(), "080 is port 80");
            raw.send("GET http://[::1]:0443/ok HTTP/1.1\r\nHost: [::1]:443\r\n\r\n");
            assertEquals(200, raw.read().status(), "leading zeros, an IPv6 literal");
            raw.send("GET http://x./ok HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status(), "a name with its root dot is the same name (nginx serves it)");
            raw.send("GET http://x:8080/ok HTTP/1.1\r\nHost: X.:8080\r\n\r\n");
            assertEquals(200, raw.read().status(), "the root dot on Host's side, a port after it");
        }
        assertEquals(before + 7, echo.forwardedCount());
    }

    @Test
    void anAbsoluteFormTargetOnAnotherPortThanHostIsRefused() {
        int before = echo.forwardedCount();
        for (String request : List.of("GET http://x:81/no HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET http://x:0/no HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET http://[::1]:8080/no HTTP/1.1\r\nHost: [::1]\r\n\r\n",
                "GET http://y./no HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://x../no HTTP/1.1\r\nHost: x.\r\n\r\n")) {
            try (RawHttp raw = echo.raw()) {
                raw.send(request);
                assertBadRequestThenClose(raw);
            }
        }
        assertEquals(before, echo.forwardedCount());
    }

    @Test
    void pipelinedRequestsWithCleanFramingAreEachForwardedOnce() {
        int before = echo.forwardedCount();
        try (RawHttp raw = echo.raw()) {
            raw.send("POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("abc", raw.read().text());
            assertEquals(200, raw.read().status());
        }
        assertEquals(List.of("/one", "/two"), echo.urisForwardedSince(before));
    }

    @Test
    void aGetWithTheWithdrawnWebSocketDraftsKeysHasNoBodyAndTheNextRequestIsIntact() {
        // Netty's decoder gives such a GET (Hixie-76, 2010) an 8-byte body; RFC 9112 6.3 gives it none.
        int before = echo.forwardedCount();
        try (RawHttp raw = echo.raw()) {
            raw.send("GET /first HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key1: 1 2\r\nSec-WebSocket-Key2: 3 4\r\n\r\n"
                    + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status());
            assertEquals(200, raw.read().status());
        }
        List<RecordedRequest> seen = echo.forwardedSince(before);
        assertEquals(List.of("/first", "/second"), seen.stream().map(RecordedRequest::uri).toList());
        assertEquals(0, seen.get(0).bodyLength(), "no bytes of the next request as its body");
        assertEquals("0", seen.get(0).header("x-original-content-length"),
                "framed for servers that still follow the draft (this fake upstream is one: Netty's decoder)");
        assertEquals("1 2", seen.get(0).header("sec-websocket-key1"), "the fields themselves are forwarded");
    }

    @Test
    void aFoldedHeadIsRefusedEvenInTheSameReadAsTheEndOfABodyBeforeIt() {
        int before = echo.forwardedCount();
        try (RawHttp raw = echo.raw()) {
            raw.send("POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n");
            sleep(300); // the head is read alone: the body's end and the next head arrive in a later read
            raw.send("abc" + "GET /folded HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n");
            assertEquals("abc", raw.read().text());
            assertBadRequestThenClose(raw);
        }
        assertEquals(List.of("/one"), echo.urisForwardedSince(before));
    }

    @Test
    void aFoldedHeadIsRefusedInTheSameReadAsTheHeadAndBodyBeforeIt() {
        int before = echo.forwardedCount();
        for (String body : List.of("Content-Length: 3\r\n\r\nabc", "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")) {
            try (RawHttp raw = echo.raw()) {
                raw.send("POST /one HTTP/1.1\r\nHost: x\r\n" + body
                        + "GET /folded HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n");
                assertEquals("abc", raw.read().text());
                assertBadRequestThenClose(raw);
            }
        }
        assertEquals(List.of("/one", "/one"), echo.urisForwardedSince(before));
    }

    @Test
    void aFoldedHeadIsRefusedBehindTheEndOfAChunkedBodyThatBeganInAnEarlierRead() {
        int before = echo.forwardedCount();
        try (RawHttp raw = echo.raw()) {
            raw.send("POST /one HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\nab\r\n");
            sleep(300); // the body's first chunk is read alone: its end and the next head come in a later read
            raw.send("1\r\nc\r\n0\r\nX-Trailer: t\r\n\r\n"
                    + "GET /folded HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n");
            assertEquals("abc", raw.read().text());
            assertBadRequestThenClose(raw);
        }
        assertEquals(List.of("/one"), echo.urisForwardedSince(before));
    }

    @Test
    void aFoldedHeadIsRefusedBehindAChunkedBodyWhoseHeadsBlankLineStartedARead() {
        // The head's last line ends one read; its blank line (whole, or its LF after a CR) starts the next.
        String folded = "GET /folded HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n";
        for (String[] reads : List.of(new String[] {"\r\n5\r\nhel", "lo\r\n0\r\n\r\n" + folded},
                new String[] {"\r", "\n5\r\nhel", "lo\r\n0\r\n\r\n" + folded})) {
            int before = echo.forwardedCount();
            try (RawHttp raw = echo.raw()) {
                raw.send("POST /one HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n");
                for (String read : reads) {
                    sleep(200); // one read each: the body's end and the folded head behind it come together
                    raw.send(read);
                }
                assertEquals("hello", raw.read().text());
                assertBadRequestThenClose(raw);
            }
            assertEquals(List.of("/one"), echo.urisForwardedSince(before));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void assertBadRequestThenClose(RawHttp raw) {
        RefusedRequests.assertRefusedThenClosed(raw, 400, "BAD_REQUEST");
    }

    private void assertNothingForwardedSince(int before) {
        echo.assertNothingForwardedSince(before);
    }
}
