package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The route's deadline cutting a response mid-body counts against the endpoint's breaker only when the
 * upstream had stopped sending: a stream still flowing (server-sent events, a long download) was cut by the
 * route's own limit, and a few such clients must not open a healthy endpoint's breaker.
 */
class StreamCutByDeadlineTest {

    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void aStreamStillFlowingWhenTheDeadlineCutsItLeavesTheBreakerClosed() {
        StringBuilder events = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            events.append("5\r\ndata\n\r\n"); // one event of 10 bytes a tick: ten seconds of them
        }
        assertEquals(200, afterACutStream((req, reply) -> {
            reply.raw(HEAD);
            reply.rawTrickle(events.toString(), 10, 100);
        }),
                "the endpoint was streaming: its breaker is closed");
    }

    @Test
    void aStreamThatStoppedSendingWhenTheDeadlineCutItIsATimeoutForTheBreaker() {
        assertEquals(503, afterACutStream((req, reply) -> reply.raw(HEAD + "5\r\ndata\n\r\n")),
                "the endpoint left its body unfinished: a timeout, which opens a breaker of consecutive-failures = 1");
    }

    /** The status of a request made after one whose stream the route's 1 s deadline cut. */
    private int afterACutStream(UpstreamBehavior stream) {
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (req.uri().equals("/events")) {
                stream.respond(req, reply);
            } else {
                reply.send(200, "text/plain", "fine");
            }
        }));
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"],"
                        + " circuit-breaker { consecutive-failures = 1, open-duration = 30s } }",
                "{ name = default, upstream = app, timeout = 1s, retry { attempts = 1, per-try-timeout = 500ms } }")));
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
            java.io.InputStream in = raw.socket().getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            String body = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(!body.endsWith("0\r\n\r\n"), "cut at the deadline, without a last chunk: " + body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            return raw.read().status();
        }
    }
}
