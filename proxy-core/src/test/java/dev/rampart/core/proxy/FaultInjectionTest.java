package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
/**
 * Upstreams that refuse, hang, reset, trickle, drop a reused connection or speak garbage, and clients that
 * leave at every stage. Each time the client gets a complete response, an envelope or a clean close; a
 * non-idempotent request never reaches the upstream twice; the proxy keeps serving others meanwhile
 * (its event loops are not blocked); leaks fail the class through the leak check.
 */
class FaultInjectionTest extends FaultInjectionSupport {

    // ---- upstream faults ---------------------------------------------------------------------------

    @Test
    void aRefusingUpstreamYieldsConnectRefusedAfterEveryAttempt() throws Exception {
        startProxy("\"127.0.0.1:" + FakeUpstream.refusingPort() + "\"", "backoff { initial = 1ms, max = 5ms }");
        HttpResponse<String> response = send(post("/pay", "x"));
        assertEquals(502, response.statusCode());
        assertTrue(response.body().contains("\"UPSTREAM_CONNECT_REFUSED\""), response.body());
        assertTrue(response.body().contains("\"attempts\":\"3\""), "nothing was sent, so even POST retries: "
                + response.body());
    }

    @Test
    void aHangingUpstreamTimesOutAndAPostIsSentOnlyOnce() throws Exception {
        start(UpstreamBehavior.hang(), "per-try-timeout = 300ms, backoff { initial = 1ms, max = 5ms }");
        HttpResponse<String> post = send(post("/pay", "x"));
        assertEquals(504, post.statusCode());
        assertTrue(post.body().contains("\"UPSTREAM_TIMEOUT\""), post.body());
        assertEquals(1, count(r -> r.method().equals("POST")), "a POST that may have been received is not re-sent");

        HttpResponse<String> get = send(HttpRequest.newBuilder(proxy.uri("/read")).GET().build());
        assertEquals(504, get.statusCode());
        assertEquals(3, count(r -> r.method().equals("GET")), "an idempotent GET is retried up to attempts");
    }

    @Test
    void aResetMidBodyCutsTheClientOffWithoutResendingThePost() {
        start(UpstreamBehavior.resetMidBody(100_000, 1_000), "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status(), "the head was already relayed");
            assertTrue(response.body().length < 100_000, "the body is visibly short, not padded or completed");
            assertTrue(raw.closedByPeer());
        }
        assertEquals(1, upstream.requests().size());
        assertServing();
    }

    @Test
    void aTricklingUpstreamIsRelayedCompletely() {
        String body = "slow and steady wins nothing but it does arrive in the end";
        start(UpstreamBehavior.trickle(body, 7, 10), "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertEquals(body, response.text());
        }
    }

    @Test
    void garbageFromTheUpstreamIsAnEnvelopeAndNotRetried() throws Exception {
        start(UpstreamBehavior.garbage(), "");
        HttpResponse<String> response = send(HttpRequest.newBuilder(proxy.uri("/x")).GET().build());
        assertEquals(502, response.statusCode());
        assertTrue(response.body().contains("\"UPSTREAM_BAD_RESPONSE\""), response.body());
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void hangingAndTricklingUpstreamsDoNotStallOtherClients() throws Exception {
        start((req, reply) -> {
            if (req.uri().startsWith("/hang")) {
                return; // never answers
            }
            reply.rawTrickle("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 1, 200);
        }, "per-try-timeout = 20s");
        List<CompletableFuture<HttpResponse<Void>>> stuck = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String path = i % 2 == 0 ? "/hang" + i : "/trickle" + i;
            stuck.add(proxy.client().sendAsync(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()));
        }
        awaitUpstream(20);
        for (int i = 0; i < 20; i++) {
            long started = System.nanoTime();
            HttpResponse<String> direct = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/direct"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("direct", direct.body());
            assertTrue(System.nanoTime() - started < 2_000_000_000L, "answered while upstreams stall");
        }
        stuck.forEach(f -> f.cancel(true));
    }

    // ---- clients that leave --------------------------------------------------------------------------

    @Test
    void aClientLeavingMidHeadCostsNothing() {
        start(UpstreamBehavior.echo(), "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Le");
        }
        assertServing();
        assertEquals(0, count(r -> r.method().equals("POST")));
    }

    @Test
    void aClientLeavingBeforeOrDuringItsBodyNeverCompletesTheUpstreamRequest() {
        start(UpstreamBehavior.echo(), "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
        }
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
            awaitExchangeWithStatus(499, 1);
        }
        assertServing();
        assertEquals(0, count(r -> r.method().equals("POST")), "a partial body is never passed on as complete");
    }

    @Test
    void aClientLeavingWhileTheUpstreamWorksIsLogged499AndNotRetried() {
        start(UpstreamBehavior.hang(), "per-try-timeout = 20s");
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            awaitUpstream(1);
        }
        awaitExchangeWithStatus(499, 1);
        assertServing();
        assertEquals(1, count(r -> r.method().equals("POST")));
    }

    @Test
    void aClientLeavingMidResponseStopsTheRelay() throws IOException {
        start((req, reply) -> reply.stream(50L * 1024 * 1024), "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            assertEquals(64 * 1024, in.readNBytes(64 * 1024).length);
        }
        Await.until(() -> proxy.observer.exchanges.stream()
                        .anyMatch(e -> e.status() == 200 && "CLIENT_CLOSED".equals(e.reason())),
                "the exchange logged with the status sent and CLIENT_CLOSED: " + proxy.observer.exchanges);
        // The relay stopped: the upstream connection streaming the 50 MiB is closed, not left to run.
        Await.until(() -> upstream.connectionsOpen() == 0, "the upstream connection of the cut relay to close");
        assertServing();
        assertEquals(1, upstream.requests().size());
    }
}
