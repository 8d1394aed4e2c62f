package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The body of an upstream response nobody sees (a retried status, an error the envelope replaces) is read
 * and dropped, so that its connection is pooled again rather than closed; unless it is long, or slow.
 */
class DiscardedResponseTest {

    private static final String RETRIES =
            "timeout = 10s, retry { attempts = 2, per-try-timeout = 5s, backoff { initial = 10ms, max = 20ms } }";

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxy;

    private RawHttp.Response get(String path) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").read();
        }
    }

    private FakeUpstream start(UpstreamBehavior behavior, String routeExtras) {
        FakeUpstream upstream = closing.add(FakeUpstream.start(behavior));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", routeExtras)));
        return upstream;
    }

    @Test
    void theRetryOfA503GoesOutOnTheConnectionThe503CameOn() {
        FakeUpstream upstream = start(UpstreamBehavior.failTimes(1, 503, UpstreamBehavior.ok("fine")), RETRIES);

        RawHttp.Response response = get("/");

        assertEquals(200, response.status());
        List<RecordedRequest> seen = upstream.requests();
        assertEquals(2, seen.size());
        assertEquals(seen.get(0).connectionId(), seen.get(1).connectionId(), "the 503's body was drained, not cut");
        assertEquals(1, upstream.connectionsAccepted());
    }

    @Test
    void aChunked503IsDrainedToItsLastChunkAndItsConnectionReused() {
        AtomicInteger calls = new AtomicInteger();
        FakeUpstream upstream = start((req, reply) -> {
            if (calls.incrementAndGet() == 1) {
                reply.sendChunked(503, "busy, ", "try again");
            } else {
                reply.send(200, "text/plain", "fine");
            }
        }, RETRIES);

        assertEquals(200, get("/").status());
        assertEquals(1, upstream.connectionsAccepted());
    }

    @Test
    void anErrorTheEnvelopeReplacesLeavesItsConnectionInThePool() {
        FakeUpstream upstream = start((req, reply) -> reply.send(500, "text/html", "<h1>stack trace</h1>"),
                "retry { attempts = 1 }");

        try (RawHttp raw = proxy.raw()) { // one client connection: one event loop, one pool
            for (String path : List.of("/a", "/b")) {
                RawHttp.Response response = raw.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").read();
                assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
            }
        }

        assertEquals(1, upstream.connectionsAccepted(), "the second request reused the first one's connection");
    }

    @Test
    void aDrainedResponseCountsAsOneRequestOfItsConnectionTowardsPoolMaxRequests() {
        FakeUpstream upstream = closing.add(FakeUpstream.start(
                (req, reply) -> reply.send(500, "text/html", "<h1>stack trace</h1>")));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], pool-max-requests-per-connection = 3 }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, retry { attempts = 1 } }")));

        try (RawHttp raw = proxy.raw()) { // one client connection: one event loop, one pool
            for (String path : List.of("/a", "/b", "/c", "/d")) {
                RawHttp.Response response = raw.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").read();
                assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
            }
        }

        List<Long> connections = upstream.requests().stream().map(RecordedRequest::connectionId).toList();
        assertEquals(connections.get(0), connections.get(2), "three requests on the first connection: " + connections);
        assertNotEquals(connections.get(2), connections.get(3), "and no fourth: " + connections);
    }

    @Test
    void aRetriedStatusWithABodyLongerThanTheDrainLimitHasItsConnectionClosed() {
        String large = "x".repeat((int) DiscardedResponse.MAX_BYTES + 1);
        FakeUpstream upstream = start(UpstreamBehavior.failTimes(0, 503, UpstreamBehavior.ok("fine")), RETRIES);
        AtomicInteger calls = new AtomicInteger();
        upstream.behave((req, reply) -> {
            if (calls.incrementAndGet() == 1) {
                reply.send(503, "text/plain", large);
            } else {
                reply.send(200, "text/plain", "fine");
            }
        });

        assertEquals(200, get("/").status());
        List<RecordedRequest> seen = upstream.requests();
        assertNotEquals(seen.get(0).connectionId(), seen.get(1).connectionId(), "not read for the connection's sake");
    }

    @Test
    void aRetryThatWouldWaitForTheDrainedConnectionsSlotGetsANewConnectionAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (calls.incrementAndGet() == 1) {
                reply.raw("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\nonly part of it");
            } else {
                reply.send(200, "text/plain", "fine");
            }
        }));
        // One connection per event loop: the retry's only slot is the one the stalled 503 body holds.
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], max-connections-per-endpoint = 1 }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 800ms,"
                        + " retry { attempts = 2, per-try-timeout = 5s, backoff { initial = 10ms, max = 20ms } } }")));

        RawHttp.Response response = get("/");

        assertEquals(200, response.status(), "not held behind the drain until the route timeout: " + response.text());
    }

    @Test
    void requestsAlreadyWaitingForAConnectionGetTheSlotOfAResponseThatWouldBeDrained() throws Exception {
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (req.uri().equals("/hold")) { // answered after the others queued behind it; its body stalls
                reply.after(500, () -> reply.raw("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\npart"));
            } else {
                reply.send(200, "text/plain", "fine");
            }
        }));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], max-connections-per-endpoint = 1 }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, retry { attempts = 1 } }")));
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            java.util.concurrent.Future<Long> held = clients.submit(() -> timedGet("/hold", 503));
            Thread.sleep(150);
            // The harness's two event loops take client connections in turn, each with a pool of one connection:
            // one of these two shares the held request's loop and waits for its connection.
            List<java.util.concurrent.Future<Long>> queued = List.of(clients.submit(() -> timedGet("/a", 200)),
                    clients.submit(() -> timedGet("/b", 200)));
            long heldAnswered = held.get();
            for (java.util.concurrent.Future<Long> next : queued) {
                long afterHeld = next.get() - heldAnswered;
                assertTrue(afterHeld < 700, "waited " + afterHeld + " ms after the 503 for its connection's drain");
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /** GETs {@code path}, checks its status, and returns when the answer had come (milliseconds, monotonic). */
    private long timedGet(String path, int status) {
        RawHttp.Response response = get(path);
        assertEquals(status, response.status(), response.text());
        return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    @Test
    void aRetriedStatusWhoseBodyStallsHasItsConnectionClosedAfterTheDrainTimeout() {
        AtomicInteger calls = new AtomicInteger();
        FakeUpstream upstream = start((req, reply) -> {
            if (calls.incrementAndGet() == 1) {
                reply.raw("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\nonly part of it");
            } else {
                reply.send(200, "text/plain", "fine");
            }
        }, RETRIES);

        assertEquals(200, get("/").status());
        List<RecordedRequest> seen = upstream.requests();
        assertNotEquals(seen.get(0).connectionId(), seen.get(1).connectionId(), "the retry did not wait for it");
        Await.until(() -> upstream.connectionsOpen() == 1, "the stalled connection closed after the drain timeout");
    }
}
