package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that goes away is not an error: the upstream attempt is cancelled, the record says 499
 * CLIENT_CLOSED, nothing is logged at ERROR, nothing leaks, and the next request is served on a clean
 * upstream connection. Run on both transports: NIO only notices a close while a read is outstanding.
 */
class ClientAbortTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;
    private LogCapture logs;

    @BeforeEach
    void captureLogs() {
        logs = LogCapture.start();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        logs.close();
    }

    private void start(String transport, UpstreamBehavior behavior) {
        Transport chosen = Transports.named(transport);
        upstream = FakeUpstream.start(behavior);
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 20s,"
                        + " retry { per-try-timeout = 20s } }"), chosen);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aClientGoneWhileWaitingForTheHeadCancelsTheAttempt(String transport) throws Exception {
        start(transport, UpstreamBehavior.hang());

        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /slow HTTP/1.1\r\nHost: test\r\n\r\n");
            awaitUpstreamRequests(1);
        }

        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(499, record.status(), "noticed long before the 20 s deadline");
        assertEquals("CLIENT_CLOSED", record.reason());
        assertEquals(java.util.List.of("cancelled"), proxy.observer.attempts, "the attempt is counted, as cancelled");
        assertNextRequestUsesACleanConnection();
        assertTrue(logs.errors().isEmpty(), logs.dump());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aClientGoneMidBodyCancelsTheRelay(String transport) throws Exception {
        start(transport, (req, reply) -> {
            if (req.uri().startsWith("/big")) {
                reply.stream(64L * 1024 * 1024);
            } else {
                reply.send(200, "text/plain", "small");
            }
        });

        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /big HTTP/1.1\r\nHost: test\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            byte[] some = in.readNBytes(256 * 1024);
            assertEquals(256 * 1024, some.length, "the response started flowing");
            raw.socket().setSoLinger(true, 0); // a reset, as a killed client leaves it
        }

        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(200, record.status(), "the status sent stays, as nginx and Envoy log an abandoned download");
        assertEquals("CLIENT_CLOSED", record.reason());
        assertTrue(record.bytesOut() < 64L * 1024 * 1024, "the relay stopped: " + record.bytesOut());
        assertEquals(java.util.List.of("success"), proxy.observer.attempts, "the upstream did its part");
        assertNextRequestUsesACleanConnection();
        assertTrue(logs.errors().isEmpty(), logs.dump());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aPipelinedRequestWaitsForTheCurrentOne(String transport) throws Exception {
        start(transport, (req, reply) -> {
            if (req.uri().equals("/first")) {
                reply.after(200, () -> reply.send(200, "text/plain", "first"));
            } else {
                reply.send(200, "text/plain", "second");
            }
        });

        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /first HTTP/1.1\r\nHost: test\r\n\r\nGET /second HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals("first", raw.read().text());
            assertEquals("second", raw.read().text());
        }
        assertEquals(List.of("/first", "/second"), upstream.requests().stream().map(RecordedRequest::uri).toList());
        // Sent while /first was still out, /second would have needed a connection of its own.
        assertEquals(1, upstream.connectionsAccepted(), "/second went out on the connection /first had freed");
        assertTrue(logs.errors().isEmpty(), logs.dump());
    }

    /** The aborted attempt's connection was closed, not parked in the pool with a response half read. */
    private void assertNextRequestUsesACleanConnection() throws Exception {
        long abortedConnection = upstream.requests().get(0).connectionId();
        upstream.behave(UpstreamBehavior.ok("after"));
        HttpResponse<String> next = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/after")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, next.statusCode());
        assertEquals("after", next.body());
        List<RecordedRequest> seen = upstream.requests();
        assertNotEquals(abortedConnection, seen.get(seen.size() - 1).connectionId());
    }

    private void awaitUpstreamRequests(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (upstream.requests().size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the upstream saw " + upstream.requests().size() + " requests");
            }
            Thread.sleep(5);
        }
    }
}
