package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A response the proxy cannot frame with certainty becomes a 502 UPSTREAM_BAD_RESPONSE envelope, is not
 * retried, and its connection is never handed to the next request.
 */
class UpstreamResponseValidationTest {

    static Stream<Arguments> malformedResponses() {
        return Stream.of(
                Arguments.of("Content-Length with Transfer-Encoding",
                        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("two differing Content-Length headers",
                        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
                Arguments.of("two differing Content-Length headers on an HTTP/1.0 response",
                        "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
                Arguments.of("differing Content-Length values on an HTTP/1.0 keep-alive response",
                        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\nContent-Length: 02, 3\r\n\r\nab"),
                Arguments.of("a non-numeric Content-Length",
                        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\na"),
                Arguments.of("a transfer coding other than chunked",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc"),
                Arguments.of("a header over the response head limit",
                        "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(70_000) + "\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("more header fields than an upstream response may have",
                        "HTTP/1.1 200 OK\r\n" + "X-F: v\r\n".repeat(1_000) + "Content-Length: 0\r\n\r\n"),
                Arguments.of("a status that is not a number",
                        "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("a version that is not HTTP/1.x",
                        "HTTP/0.9 200 OK\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("a NUL in a header value",
                        "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("bare LF line endings",
                        "HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
                Arguments.of("a status below 100",
                        "HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nhi"),
                Arguments.of("a two-digit status",
                        "HTTP/1.1 20 Short\r\nContent-Length: 2\r\n\r\nhi"),
                Arguments.of("a status above 599",
                        "HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nhi"),
                Arguments.of("a four-digit status",
                        "HTTP/1.1 2000 Long\r\nContent-Length: 2\r\n\r\nhi"),
                Arguments.of("whitespace inside the name of a framing header",
                        "HTTP/1.1 200 OK\r\nContent-Length X: 100\r\n\r\nhi"),
                Arguments.of("whitespace inside a header name",
                        "HTTP/1.1 200 OK\r\nSet-Cookie Evil: admin=1\r\nContent-Length: 2\r\n\r\nhi"),
                Arguments.of("bytes that are not HTTP",
                        "\u0016\u0003\u0001\u0000 definitely not http\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedResponses")
    void aMalformedResponseBecomesBadResponseAndItsConnectionIsNotReused(String name, String response) {
        UpstreamBehavior byPath = (req, reply) -> {
            if (req.uri().equals("/bad")) {
                reply.raw(response);
            } else {
                reply.send(200, "text/plain", "fine");
            }
        };
        try (FakeUpstream upstream = FakeUpstream.start(byPath);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET /bad HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response first = raw.read();
            assertEquals(502, first.status(), first.text());
            assertTrue(first.text().contains("\"UPSTREAM_BAD_RESPONSE\""), first.text());
            assertFalse(first.text().contains("definitely"), "the upstream's bytes never reach the client");

            raw.send("GET /good HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response second = raw.read();
            assertEquals(200, second.status(), "the client connection stays usable after an envelope");
            assertEquals("fine", second.text());

            List<RecordedRequest> seen = upstream.requests();
            assertEquals(List.of("/bad", "/good"), seen.stream().map(RecordedRequest::uri).toList(),
                    "a bad response is not retried");
            assertNotEquals(seen.get(0).connectionId(), seen.get(1).connectionId(),
                    "the connection that carried the bad response is not reused");
        }
    }

    @Test
    void aResponseWithAsManyFieldsAsAllowedIsRelayedWhole() {
        String head = "HTTP/1.1 200 OK\r\n" + "X-F: v\r\n".repeat(999) + "Content-Length: 2\r\n\r\nhi";
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.raw(head));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();

            assertEquals(200, response.status(), response.toString());
            assertEquals("hi", response.text());
            assertEquals(String.join(", ", java.util.Collections.nCopies(999, "v")), response.header("X-F"));
        }
    }

    @Test
    void controlCharactersInAReasonPhraseAreNotRelayedTheStandardOneIs() {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(
                     "HTTP/1.1 200 O\u0000K\u001b[2J\r\nContent-Length: 2\r\n\r\nhi"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET /reason HTTP/1.1\r\nHost: x\r\n\r\n");
            String statusLine = RawHttp.readHead(raw.socket().getInputStream()).split("\r\n")[0];
            assertEquals("HTTP/1.1 200 OK", statusLine);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aChunkSizeLineWithLongExtensionsIsRelayedNotCut() {
        String extensions = ";e=" + "x".repeat(9000);
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\n"
                     + "Transfer-Encoding: chunked\r\n\r\n2" + extensions + "\r\nhi\r\n0\r\n\r\n"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                     "retry { attempts = 1 }"));
             RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /ext HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(200, response.status());
            assertEquals("hi", response.text());
        }
    }

    @Test
    void upstreamBytesQuotedInTheLogAreEscapedNotWrittenRaw() {
        // Netty's refusal repeats the reason phrase; a CR and an escape sequence could forge a log line.
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(
                     "HTTP/1.1 200 OK\u001b[1A\u001b[2K\rINFO all good\r\nContent-Length: 2\r\n\r\nhi"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                     "retry { attempts = 1 }"));
             dev.rampart.core.testing.LogCapture log = dev.rampart.core.testing.LogCapture.start();
             RawHttp raw = proxy.raw()) {
            raw.send("GET /forge HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(502, raw.read().status());
            String lines = log.dump();
            assertTrue(lines.contains("last failure"), lines);
            assertTrue(lines.contains("\\x1B[1A"), "escaped: " + lines);
            assertFalse(lines.contains("\u001b") || lines.contains("\r"), "no raw control byte: " + lines);
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "Content-Length: 2\r\nContent-Length: 2\r\n", "Content-Length: 2, 2\r\n"})
    void identicalContentLengthsAreOneLengthAndTheResponseIsRelayed(String lengths) {
        // RFC 9110 §8.6 lets a recipient take repeated identical values as one; nginx relays them too.
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\n" + lengths + "\r\nhi"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET /twice HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();

            assertEquals(200, response.status(), response.text());
            assertEquals("hi", response.text());
            assertEquals("2", response.header("content-length"), "one length for the client");
        }
    }

    @Test
    void identicalContentLengthsOnAnHttp10ResponseAreOneLengthToo() {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(
                     "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nContent-Length: 002, 2\r\n\r\nhi"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /old HTTP/1.1\r\nHost: x\r\n\r\n").read();

            assertEquals(200, response.status(), response.text());
            assertEquals("hi", response.text());
            assertEquals("2", response.header("content-length"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource({"002, 2, hi", "0000, 0, ''"})
    void aContentLengthWithLeadingZerosGoesToTheClientAsTheNumber(String sent, String relayed, String body) {
        // Valid (1*DIGIT), read as the number by the decoder; a client's parser may read "002" otherwise.
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\nContent-Length: "
                     + sent + "\r\n\r\n" + body));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /zeros HTTP/1.1\r\nHost: x\r\n\r\n").read();

            assertEquals(200, response.status(), response.text());
            assertEquals(body, response.text());
            assertEquals(relayed, response.header("content-length"));
        }
    }

    @Test
    void aBrokenChunkAfterTheHeadCutsTheClientConnectionInsteadOfEndingTheBody() throws IOException {
        UpstreamBehavior brokenChunk = UpstreamBehavior.raw(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n");
        try (FakeUpstream upstream = FakeUpstream.start(brokenChunk);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(all.startsWith("HTTP/1.1 200"), all);
            assertTrue(all.contains("hello"), all);
            assertFalse(all.endsWith("0\r\n\r\n"), "the body must not look complete: " + all);
            assertFalse(all.contains("more"), all);
            upstream.behave(UpstreamBehavior.ok("fine"));
            try (RawHttp next = proxy.raw()) {
                next.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("fine", next.read().text());
            }
            assertEquals(2, upstream.connectionsAccepted(), "the broken connection was not pooled");
        }
    }
}
