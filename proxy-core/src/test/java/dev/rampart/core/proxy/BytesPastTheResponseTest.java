package dev.rampart.core.proxy;

import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes an upstream sends past the end of a response, or on a connection waiting in the pool, are never
 * read as the response to another request: the connection is closed instead of reused. Left in the
 * decoder, a partial head would become the start of the next client's response, with whatever headers
 * it carries. With no request waiting, the decoder closes such a connection right after it went back to the
 * pool; a request waiting for a connection is handed it before that, so only the check on release keeps the
 * bytes from becoming that request's response.
 */
class BytesPastTheResponseTest {

    /** The start of a response head, cut off in a header value: the next response's bytes would complete it. */
    private static final String PARTIAL_HEAD =
            "HTTP/1.1 302 Found\r\nLocation: https://evil.example/\r\nSet-Cookie: session=attacker\r\nX-Pad: ";

    static Stream<Arguments> responsesWithBytesBehind() {
        return Stream.of(
                Arguments.of("a body on a response to HEAD", "HEAD",
                        "HTTP/1.1 200 OK\r\nContent-Length: " + PARTIAL_HEAD.length() + "\r\n\r\n" + PARTIAL_HEAD),
                Arguments.of("a body on a 304", "GET",
                        "HTTP/1.1 304 Not Modified\r\nContent-Length: " + PARTIAL_HEAD.length() + "\r\n\r\n"
                                + PARTIAL_HEAD),
                Arguments.of("a body on a 204", "GET", "HTTP/1.1 204 No Content\r\n\r\n" + PARTIAL_HEAD),
                Arguments.of("more body than its Content-Length", "GET",
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" + PARTIAL_HEAD));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responsesWithBytesBehind")
    void bytesPastTheEndOfAResponseAreNeverReadAsTheNextResponse(String name, String method, String response) {
        UpstreamBehavior firstThenFine = (req, reply) -> {
            if (req.uri().equals("/first")) {
                reply.raw(response);
            } else {
                reply.send(200, "text/plain", "fine");
            }
        };
        try (FakeUpstream upstream = FakeUpstream.start(firstThenFine);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send(method + " /first HTTP/1.1\r\nHost: x\r\n\r\n");
            raw.read(method.equals("HEAD"));

            raw.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response second = raw.read();

            assertEquals(200, second.status(), second.text());
            assertEquals("fine", second.text());
            assertNull(second.header("location"), "no header of the left-over bytes");
            assertNull(second.header("set-cookie"), "no header of the left-over bytes");
            assertEquals(2, upstream.connectionsAccepted(), "the connection with bytes left over was not reused");
        }
    }

    @Test
    void bytesOnAnIdleConnectionCloseItInsteadOfSpoilingTheNextRequest() {
        UpstreamBehavior answerThenStray = (req, reply) -> {
            reply.send(200, "text/plain", "fine");
            if (req.uri().equals("/first")) {
                reply.after(50, () -> reply.raw(PARTIAL_HEAD));
            }
        };
        try (FakeUpstream upstream = FakeUpstream.start(answerThenStray);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fine", raw.read().text());
            Await.until(() -> upstream.connectionsOpen() == 0, "the proxy closes the connection the stray bytes came on");

            raw.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response second = raw.read();

            assertEquals(200, second.status(), second.text());
            assertEquals("fine", second.text());
            assertNull(second.header("location"));
            assertEquals(2, upstream.connectionsAccepted());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Content-Length: 96", "Transfer-Encoding: chunked"})
    void aNoContentResponseThatDeclaresABodyIsNotReusedForItsLateBody(String declaration) {
        // RFC 9110 §8.6: a 204 has no body, so one that declares one is not to be trusted to have ended.
        // Its body comes 200 ms late, while the next request waits 400 ms for its answer.
        UpstreamBehavior lateBody = (req, reply) -> {
            if (req.uri().equals("/first")) {
                reply.raw("HTTP/1.1 204 No Content\r\n" + declaration + "\r\n\r\n");
                reply.after(200, () -> reply.raw(PARTIAL_HEAD));
            } else {
                reply.after(400, () -> reply.send(200, "text/plain", "fine"));
            }
        };
        try (FakeUpstream upstream = FakeUpstream.start(lateBody);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(204, raw.read().status());

            raw.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response second = raw.read();

            assertEquals(200, second.status(), second.text());
            assertEquals("fine", second.text());
            assertNull(second.header("location"), "no header of the late body");
            assertEquals(2, upstream.connectionsAccepted(), "the 204's connection was not reused");
        }
    }

    @Test
    void bytesPastTheEndOfAResponseAreNotReadAsTheResponseOfARequestWaitingForItsConnection() {
        // max-connections-per-endpoint = 2 over the proxy's two event loops: one connection per loop. The later
        // requests wait for a connection the first ones hold, and a connection released while they wait is
        // handed to one of them at once, before the decoder has looked at the bytes behind the response.
        String bytesBehind = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" + PARTIAL_HEAD;
        List<UpstreamReply> held = new ArrayList<>();
        boolean[] answerAtOnce = {false};
        UpstreamBehavior firstsHeldThenWithBytesBehind = (req, reply) -> {
            if (!req.uri().equals("/first")) {
                reply.send(200, "text/plain", "fine");
                return;
            }
            synchronized (held) {
                if (answerAtOnce[0]) {
                    reply.raw(bytesBehind);
                } else {
                    held.add(reply);
                }
            }
        };
        AtomicInteger poolWaits = new AtomicInteger();
        ProxyObserver countingWaits = new ProxyObserver() {
            @Override
            public void onPoolWait() {
                poolWaits.incrementAndGet();
            }
        };
        try (FakeUpstream upstream = FakeUpstream.start(firstsHeldThenWithBytesBehind);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + upstream.authority() + "\"], max-connections-per-endpoint = 2 }",
                     "{ name = default, match { path-prefix = \"/\" }, upstream = app }")
                     + ProxyHarness.CONNECTIONS_IN_TURN, countingWaits);
             RawHttp first1 = proxy.raw(); RawHttp first2 = proxy.raw();
             RawHttp second1 = proxy.raw(); RawHttp second2 = proxy.raw()) {
            first1.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            first2.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            Await.until(() -> upstream.requests().size() + poolWaits.get() == 2, "the first requests sent or waiting");
            second1.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            second2.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            Await.until(() -> upstream.requests().size() + poolWaits.get() == 4, "every request sent or waiting");
            assertTrue(poolWaits.get() >= 2, "requests wait for a connection: " + poolWaits.get());
            synchronized (held) {
                answerAtOnce[0] = true;
                held.forEach(reply -> reply.after(0, () -> reply.raw(bytesBehind)));
            }

            for (RawHttp first : List.of(first1, first2)) {
                RawHttp.Response response = first.read();
                assertEquals(200, response.status(), response.text());
                assertEquals("hi", response.text());
            }
            for (RawHttp second : List.of(second1, second2)) {
                RawHttp.Response response = second.read();
                assertEquals(200, response.status(), response.text());
                assertEquals("fine", response.text());
                assertNull(response.header("location"), "no header of the bytes behind the first response");
            }
            assertEquals(4, upstream.connectionsAccepted(), "no connection with bytes behind its response was reused");
        }
    }

    @Test
    void aCleanConnectionIsStillReused() {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            for (String method : new String[] {"GET", "HEAD", "GET"}) {
                raw.send(method + " / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, raw.read(method.equals("HEAD")).status());
            }
            assertEquals(1, upstream.connectionsAccepted(), "one upstream connection carried all three");
        }
    }
}
