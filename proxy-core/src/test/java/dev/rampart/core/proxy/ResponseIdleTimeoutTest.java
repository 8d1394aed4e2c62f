package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code response-idle-timeout} cuts a response body whose upstream stops sending, long before the
 * route's {@code timeout} and {@code server.idle-timeout} (both a minute here), as nginx's
 * {@code proxy_read_timeout} does; an upstream that trickles under it, and a client that reads slowly, are left
 * alone.
 */
class ResponseIdleTimeoutTest {

    private static final String CHUNKED_HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

    @RegisterExtension
    final Closing closing = new Closing();

    private FakeUpstream upstream;

    private ProxyHarness proxyFor(UpstreamBehavior behavior) {
        upstream = closing.add(FakeUpstream.start(behavior));
        return closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = default, upstream = app, timeout = 60s, response-idle-timeout = 1s, retry { attempts = 1 } }")));
    }

    @Test
    void aChunkedBodyThatStallsIsCutWithoutItsLastChunk() throws IOException {
        ProxyHarness proxy = proxyFor((req, reply) -> reply.raw(CHUNKED_HEAD + "5\r\ndata\n\r\n"));

        String body = StalledResponseRead.bodyBeforeTheCut(proxy, 900, 15_000);

        assertTrue(body.startsWith("5\r\ndata\n\r\n"), "the chunk sent before the stall arrived: " + body);
        assertFalse(body.endsWith("0\r\n\r\n"), "cut, without a last chunk: " + body);
        assertCountedAsTheUpstreamsTimeout(proxy);
    }

    @Test
    void aContentLengthBodyThatStallsIsClosedShort() throws IOException {
        ProxyHarness proxy = proxyFor((req, reply) -> reply.raw(
                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "x".repeat(10)));

        String body = StalledResponseRead.bodyBeforeTheCut(proxy, 900, 15_000);

        assertEquals("x".repeat(10), body, "closed after the 10 bytes of 100 sent before the stall");
        assertCountedAsTheUpstreamsTimeout(proxy);
    }

    @Test
    void anUpstreamThatTricklesUnderTheLimitIsNotCut() throws IOException {
        // 12 parts 300 ms apart: 3.3 s in all, more than three times the 1 s limit, never 1 s without a byte.
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            parts.append("1\r\n").append((char) ('a' + i)).append("\r\n");
        }
        String body = parts + "0\r\n\r\n";
        ProxyHarness proxy = proxyFor((req, reply) -> {
            reply.raw(CHUNKED_HEAD);
            reply.after(300, () -> reply.rawTrickle(body, 6, 300));
        });

        String received;
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            assertTrue(RawHttp.readHead(in).startsWith("HTTP/1.1 200"));
            raw.socket().setSoTimeout(30_000);
            received = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }

        assertTrue(received.endsWith("l\r\n0\r\n\r\n"), "the whole stream, last chunk included: " + received);
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(200, record.status());
        assertNull(record.reason(), "served whole: " + record);
    }

    @Test
    void aClientThatStopsReadingForLongerThanTheLimitIsNotTakenForAStalledUpstream() throws Exception {
        long size = 16L * 1024 * 1024;
        ProxyHarness proxy = proxyFor((req, reply) -> reply.stream(size));
        try (RawHttp raw = proxy.raw()) {
            raw.socket().setReceiveBufferSize(16 * 1024);
            raw.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            assertTrue(RawHttp.readHead(in).startsWith("HTTP/1.1 200"));
            raw.socket().setSoTimeout(30_000);
            byte[] buf = new byte[64 * 1024];
            long read = in.readNBytes(buf, 0, buf.length);
            // Three times the limit without reading: the proxy stops reading the upstream for this client's sake,
            // and the upstream (which writes only while it can) waits too. Nobody stalled but the client.
            long pauseUntil = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < pauseUntil) {
                assertTrue(proxy.observer.exchanges.isEmpty(), "not cut while the client paused: "
                        + proxy.observer.exchanges);
                Thread.sleep(50);
            }
            int n;
            while (read < size && (n = in.read(buf)) > 0) {
                read += n;
            }
            assertEquals(size, read, "the whole body arrived");
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertNull(record.reason(), "served whole: " + record);
    }

    @Test
    void anUpstreamThatAnsweredEarlyAndWaitsForTheRestOfTheUploadIsNotCut() throws Exception {
        SocketUpstream early = closing.add(SocketUpstream.start("early-answer", (socket, number) -> {
            InputStream in = socket.getInputStream();
            while (!SocketUpstream.readLine(in).isEmpty()) {
                // the head; the body comes while the answer has begun
            }
            OutputStream out = socket.getOutputStream();
            out.write((CHUNKED_HEAD + "5\r\nfirst\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            while (!SocketUpstream.readLine(in).equals("0")) {
                SocketUpstream.readLine(in); // a chunk's data
            }
            SocketUpstream.readLine(in); // the empty line that ends the body
            out.write("4\r\nlast\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }));
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"127.0.0.1:" + early.port() + "\"] }",
                "{ name = default, upstream = app, timeout = 60s, response-idle-timeout = 1s, retry { attempts = 1 } }")));
        String received;
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            raw.socket().setSoTimeout(30_000);
            assertTrue(RawHttp.readHead(in).startsWith("HTTP/1.1 200"));
            // The client's upload takes three times the limit, and the upstream sends nothing more until it ends:
            // the wait is the client's pace, not an upstream stall.
            for (int i = 0; i < 8; i++) {
                raw.send("1\r\na\r\n");
                Thread.sleep(400);
            }
            raw.send("0\r\n\r\n");
            received = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertTrue(received.endsWith("4\r\nlast\r\n0\r\n\r\n"), "the whole answer: " + received);
        assertNull(proxy.observer.awaitExchange(1).reason(), "served whole");
    }

    /** A timeout for the endpoint (its breaker and {@code rampart_upstream_attempts_total}), its connection closed. */
    private void assertCountedAsTheUpstreamsTimeout(ProxyHarness proxy) {
        Await.until(() -> proxy.observer.attempts.contains("timeout"), () -> "a timeout attempt: " + proxy.observer.attempts);
        Await.until(() -> upstream.connectionsOpen() == 0, "the upstream connection closed, not pooled");
    }
}
