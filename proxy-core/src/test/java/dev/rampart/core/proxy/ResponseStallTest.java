package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code server.idle-timeout} bounds a response in progress, whatever the route's timeout: an upstream that
 * stops sending its body, or a client that stops taking it, does not hold the connection, the upstream
 * connection and the bulkhead slot until the route's (often long, for streams) timeout.
 */
class ResponseStallTest {

    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxyFor(UpstreamBehavior behavior) {
        return proxyFor(behavior, "1s");
    }

    private ProxyHarness proxyFor(UpstreamBehavior behavior, String idleTimeout) {
        FakeUpstream upstream = closing.add(FakeUpstream.start(behavior));
        return closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = default, upstream = app, timeout = 60s, retry { attempts = 1 } }")
                .replace("host = \"127.0.0.1\", port = 0 }", "host = \"127.0.0.1\", port = 0, idle-timeout = " + idleTimeout + " }")));
    }

    @Test
    void anUpstreamThatStopsSendingItsBodyIsCutAfterTheIdleTimeoutNotTheRoutes() throws IOException {
        String body = StalledResponseRead.bodyBeforeTheCut(
                proxyFor((req, reply) -> reply.raw(HEAD + "5\r\ndata\n\r\n")), 0, 10_000);
        assertTrue(!body.endsWith("0\r\n\r\n"), "cut, without a last chunk: " + body);
    }

    @Test
    void anUpstreamThatGoesSilentRightAfterItsHeadIsCutAfterTheIdleTimeout() throws IOException {
        String body = StalledResponseRead.bodyBeforeTheCut(
                proxyFor((req, reply) -> reply.raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")), 0, 10_000);
        assertEquals("", body, "cut before any of the 10 bytes");
    }

    @Test
    void aClientThatNeverReadsResponsesThatArriveWholeIsLetGoAfterTheIdleTimeout() throws Exception {
        ProxyHarness proxy = proxyFor((req, reply) -> reply.send(200, "text/plain", "x".repeat(7_000)));
        try (RawHttp raw = proxy.raw()) {
            raw.socket().setReceiveBufferSize(16 * 1024);
            // Each response arrives from the upstream in one read, so no body part re-arms anything; the
            // pipelined requests are answered until the kernel's buffers are full, then the last one waits.
            raw.send("GET /small HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1_500));
            long until = System.nanoTime() + 20_000_000_000L;
            while (proxy.observer.exchanges.stream().noneMatch(r -> r.reason() != null) && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            ExchangeRecord stuck = proxy.observer.exchanges.stream().filter(r -> r.reason() != null).findFirst()
                    .orElseThrow(() -> new AssertionError("no exchange ended other than served within 20 s; "
                            + proxy.observer.exchanges.size() + " ended"));
            assertEquals("CLIENT_CLOSED", stuck.reason(), "the client is gone, as far as the response can tell: " + stuck);
            assertEquals(200, stuck.status(), "with the status its head went out with: " + stuck);
        }
    }

    @Test
    void aClientThatStopsReadingItsResponseIsLetGoAfterTheIdleTimeout() throws Exception {
        byte[] big = new byte[32 * 1024 * 1024];
        ProxyHarness proxy = proxyFor((req, reply) -> reply.send(200, "application/octet-stream",
                new String(big, StandardCharsets.ISO_8859_1)));
        try (RawHttp raw = proxy.raw()) {
            raw.socket().setReceiveBufferSize(16 * 1024);
            raw.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");

            ExchangeRecord record = awaitRecord(proxy); // taking nothing: the exchange ends on its own

            assertEquals("CLIENT_CLOSED", record.reason(), "the client is gone, as far as the response can tell");
            assertEquals(200, record.status(), "the status its head went out with");
        }
    }

    @Test
    void aClientThatStopsReadingIsLetGoOneIdleTimeoutAfterItStoppedNotTwo() throws Exception {
        byte[] big = new byte[32 * 1024 * 1024];
        ProxyHarness proxy = proxyFor((req, reply) -> reply.send(200, "application/octet-stream",
                new String(big, StandardCharsets.ISO_8859_1)), "3s");
        try (RawHttp raw = proxy.raw()) {
            raw.socket().setReceiveBufferSize(16 * 1024);
            long start = System.nanoTime();
            raw.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");

            ExchangeRecord record = awaitRecord(proxy);

            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals("CLIENT_CLOSED", record.reason());
            // The buffers fill within a second; the kernel's last send to this client is then what the 3 s count
            // from, not the moment the proxy next looked (which let a non-reader stay for up to twice as long).
            assertTrue(tookMillis < 5_500, "let go about 3 s after it stopped reading, took " + tookMillis + " ms");
        }
    }

    private static ExchangeRecord awaitRecord(ProxyHarness proxy) {
        long until = System.nanoTime() + 20_000_000_000L;
        while (proxy.observer.exchanges.isEmpty() && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertEquals(1, proxy.observer.exchanges.size(), "one exchange, ended");
        return proxy.observer.exchanges.get(0);
    }
}
