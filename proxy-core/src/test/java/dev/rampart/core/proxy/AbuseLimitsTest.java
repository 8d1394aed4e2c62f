package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits that keep one abusive client or one stuck upstream from taking the proxy down: connection
 * cap, idle, head and body timeouts, the per-upstream bulkhead and pool bound, and service to others
 * while thousands of connections sit idle.
 */
class AbuseLimitsTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    private void start(UpstreamBehavior behavior, String server, String upstreamExtras, String routeExtras) {
        upstream = closing.add(FakeUpstream.start(behavior));
        proxy = closing.add(ProxyHarness.start("rampart {\n"
                + "  server { host = \"127.0.0.1\", port = 0\n" + server + "\n }\n"
                + "  admin { port = 0 }\n  access-log { enabled = false }\n"
                + "  upstreams { app { endpoints = [\"" + upstream.authority() + "\"]\n" + upstreamExtras + "\n } }\n"
                + "  routes = [\n"
                + "    { name = direct, match { path-prefix = \"/direct\" }, respond { status = 200, body = \"direct\" } },\n"
                + "    { name = default, match { path-prefix = \"/\" }, upstream = app\n" + routeExtras + "\n }\n"
                + "  ]\n}\n"));
    }

    @Test
    void connectionsBeyondMaxConnectionsAreClosedAndAFreedSlotIsReused() {
        start(UpstreamBehavior.ok("up"), "max-connections = 3", "", "");
        List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawHttp raw = proxy.raw();
                held.add(raw);
                raw.send("GET /direct HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("direct", raw.read().text(), "connection " + i + " is within the limit");
            }
            try (LogCapture logs = LogCapture.start(); RawHttp extra = proxy.raw(); RawHttp another = proxy.raw()) {
                assertTrue(extra.closedByPeer(), "the fourth connection is closed at once");
                assertTrue(another.closedByPeer());
                Await.until(() -> proxy.observer.refusedConnections.get() == 2, "both refusals counted");
                assertTrue(logs.dump().contains("WARN dev.rampart.core.proxy.ClientChannelInitializer - a client"
                        + " connection was closed at once: max-connections (3) are open"), logs.dump());
                assertEquals(1, logs.dump().split("closed at once", -1).length - 1, "one WARN per 10 s, not one per refusal");
            }
            held.remove(0).close();
            Await.until(() -> proxy.listener().openConnections() < 3, "the freed slot");
            try (RawHttp again = proxy.raw()) {
                again.send("GET /direct HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("direct", again.read().text(), "a freed slot serves a new client");
            }
        } finally {
            held.forEach(RawHttp::close);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterIdleTimeout() {
        start(UpstreamBehavior.ok("up"), "idle-timeout = 300ms", "", "");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /direct HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("direct", raw.read().text());
            long started = System.nanoTime();
            assertTrue(raw.closedByPeer(), "closed while idle");
            assertTrue(System.nanoTime() - started < 5_000_000_000L);
        }
        try (RawHttp silent = proxy.raw()) {
            assertTrue(silent.closedByPeer(), "a connection that never sends anything is closed too");
        }
    }

    @Test
    void aSlowlorisHeadGets408AtTheHeadTimeoutHoweverSteadilyItTrickles() throws Exception {
        start(UpstreamBehavior.ok("up"), "request-header-timeout = 500ms", "", "");
        try (RawHttp raw = proxy.raw()) {
            long started = System.nanoTime();
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n");
            boolean cut = false;
            for (int i = 0; i < 40 && !cut; i++) {
                Thread.sleep(100); // the attacker's pace: one header line every 100 ms, never finishing
                try {
                    raw.send("X-Drip-" + i + ": 1\r\n");
                } catch (IllegalStateException closed) {
                    cut = true;
                }
                cut = cut || raw.socket().getInputStream().available() > 0;
            }
            RawHttp.Response response = raw.read();
            assertEquals(408, response.status());
            assertTrue(response.text().contains("\"REQUEST_TIMEOUT\""), response.text());
            assertTrue(raw.closedByPeer());
            // Cut when the drip stopped would be after its 40 lines, 4 s at the least; the rest is a loaded machine's.
            assertTrue(System.nanoTime() - started < 3_500_000_000L, "cut at the head timeout, not when the drip stopped");
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aStalledRequestBodyGets408AndTheUpstreamNeverSeesItComplete() {
        start(UpstreamBehavior.echo(), "request-body-timeout = 500ms", "", "");
        try (RawHttp raw = proxy.raw()) {
            long started = System.nanoTime();
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + "a".repeat(100));
            RawHttp.Response response = raw.read();
            assertEquals(408, response.status());
            assertTrue(response.text().contains("\"REQUEST_TIMEOUT\""), response.text());
            assertTrue(raw.closedByPeer());
            assertTrue(System.nanoTime() - started < 5_000_000_000L);
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aBodyTricklingUnderTheBodyTimeoutIsStillBoundedByTheRouteTimeout() throws Exception {
        start(UpstreamBehavior.echo(), "request-body-timeout = 2s", "", "timeout = 1s");
        try (RawHttp raw = proxy.raw()) {
            long started = System.nanoTime();
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
            for (int i = 0; i < 40 && raw.socket().getInputStream().available() == 0; i++) {
                Thread.sleep(100); // one byte every 100 ms: never idle long enough for the body timeout
                try {
                    raw.send("a");
                } catch (IllegalStateException closed) {
                    break;
                }
            }
            RawHttp.Response response = raw.read();
            assertEquals(408, response.status(), "the client's slowness, answered at the route deadline: "
                    + response.text());
            assertTrue(response.text().contains("\"REQUEST_TIMEOUT\""), response.text());
            // Left to the body timeout it would end 2 s after the 4 s drip; the route's 1 s leaves room for a loaded
            // machine.
            assertTrue(System.nanoTime() - started < 5_000_000_000L, "the route deadline ends it");
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void theBulkheadShedsRequestsBeyondMaxConcurrentRequestsWithoutCallingTheUpstream() throws Exception {
        start(UpstreamBehavior.hang(), "", "max-concurrent-requests = 3", "timeout = 20s, retry { per-try-timeout = 20s }");
        List<CompletableFuture<HttpResponse<Void>>> stuck = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            stuck.add(proxy.client().sendAsync(HttpRequest.newBuilder(proxy.uri("/slow" + i)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()));
        }
        Await.until(() -> upstream.requests().size() == 3, "three requests at the upstream");
        HttpResponse<String> shed = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/more"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(503, shed.statusCode());
        assertTrue(shed.body().contains("\"UPSTREAM_OVERLOADED\""), shed.body());
        assertTrue(shed.headers().firstValue("retry-after").isPresent());
        assertEquals(3, upstream.requests().size(), "the shed request never reached the upstream");
        stuck.forEach(f -> f.cancel(true));
    }

    @Test
    void requestsWaitingForAPooledConnectionNeverOpenMoreThanTheEndpointLimit() throws Exception {
        start(UpstreamBehavior.hang(), "", "max-connections-per-endpoint = 2",
                "timeout = 3s, retry { attempts = 1, per-try-timeout = 3s }");
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(proxy.client().sendAsync(HttpRequest.newBuilder(proxy.uri("/wait" + i)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Await.until(() -> upstream.requests().size() >= 2, "the first two requests at the upstream");
        long until = System.nanoTime() + 500_000_000L;
        while (System.nanoTime() < until) {
            assertEquals(2, upstream.connectionsAccepted(), "the other ten wait instead of connecting");
            assertEquals(2, upstream.requests().size());
            Thread.sleep(20);
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> response = f.get();
            assertEquals(504, response.statusCode(), response.body());
            assertTrue(response.body().contains("\"GATEWAY_TIMEOUT\""), response.body());
        }
    }

    @Test
    void clientsThatLeaveWhileQueuedForAConnectionMakeTheProxyOpenNoConnectionForThem() {
        List<UpstreamReply> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        start((req, reply) -> {
            if (req.uri().startsWith("/hold")) {
                held.add(reply);
            } else {
                reply.send(200, "text/plain", "up");
            }
        }, "", "max-connections-per-endpoint = 2", "timeout = 20s, retry { per-try-timeout = 20s }");
        List<RawHttp> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                RawHttp raw = proxy.raw();
                clients.add(raw);
                raw.send("POST /hold" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
            }
            // Two event loops, one connection each: two requests reach the upstream, four wait in the pools.
            Await.until(() -> held.size() == 2, "two requests held at the upstream");
            List<String> arrived = upstream.requests().stream().map(r -> r.uri()).toList();
            int left = 0;
            for (int i = 0; i < 6; i++) {
                if (!arrived.contains("/hold" + i)) {
                    clients.get(i).close();
                    left++;
                }
            }
            int leavers = left;
            Await.until(() -> proxy.observer.exchanges.stream().filter(e -> e.status() == 499).count() == leavers,
                    "the queued clients to be gone");
            held.forEach(UpstreamReply::close); // frees both pool slots
            long until = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < until) {
                assertEquals(2, upstream.connectionsAccepted(), "no connection is opened for a request that is gone");
                Thread.sleep(20);
            }
            try (RawHttp after = proxy.raw()) {
                after.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("up", after.read().text(), "the freed slots serve new requests");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            clients.forEach(RawHttp::close);
        }
    }

    @Test
    void twoThousandIdleConnectionsDoNotStopServiceToOthers() throws Exception {
        start(UpstreamBehavior.ok("up"), "", "", "");
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 2000; i++) {
                idle.add(new Socket("127.0.0.1", proxy.port()));
            }
            Await.until(() -> proxy.listener().openConnections() >= 2000, "all idle connections accepted");
            for (int i = 0; i < 20; i++) {
                long started = System.nanoTime();
                HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/ok" + i))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertEquals("up", response.body());
                // A starved request would wait out the client's 5 s; under it is a loaded machine's time.
                assertTrue(System.nanoTime() - started < 4_000_000_000L, "served promptly");
            }
        } finally {
            for (Socket s : idle) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing test sockets
                }
            }
        }
    }

}
