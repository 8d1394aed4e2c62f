package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
/**
 * A pooled upstream connection that the upstream closed or reset while it sat idle (its keep-alive timer ran
 * out, a NAT forgot the flow) is no failure of the request: an idempotent request, or one with an
 * {@code Idempotency-Key}, is sent again on a fresh connection without spending one of the route's attempts
 * or counting against the breaker, while a reset that can follow the upstream's work on the request is not
 * taken for one. A POST is never sent twice.
 */
class StaleConnectionTest extends FaultInjectionSupport {

    /**
     * The proxy's clock, moved only by the tests. Whether a reused connection failed as soon as the request reached
     * it (a keep-alive race) or after the upstream could have acted on the request is judged by how much of it
     * passed in between; on a real clock, a loaded machine's own delays (a thread scheduled late, a collection)
     * would carry a case across that line, where here each test says how much time its case takes.
     */
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);

    @Test
    void aStaleReusedConnectionIsRetriedTransparentlyForGet() {
        start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.ok("fresh")), "backoff { initial = 1ms, max = 5ms }",
                clock::get);
        RawHttp.Response response = againOverAWarmConnection();
        assertEquals(200, response.status(), response.text());
        assertEquals("fresh", response.text());
        List<RecordedRequest> again = upstream.requests().stream().filter(r -> r.uri().equals("/again")).toList();
        assertEquals(2, again.size(), "the stale connection got it once, a fresh one answered it");
        assertEquals(again.get(0).connectionId(), upstream.requests().get(0).connectionId(),
                "the first try really went over the reused connection");
        assertEquals(2, again.get(1).attempt());
    }

    @Test
    void aPoolFullOfDeadConnectionsCostsOneStaleRetryNotTheRequestOrTheBreaker() throws Exception {
        // Ten connections answered once each and then kept idle; the upstream drops every one when reused,
        // as a NAT that forgot idle flows would.
        start(UpstreamBehavior.closeOnReuse((req, reply) -> reply.after(300, () -> reply.send(200, "text/plain", "fresh"))),
                "backoff { initial = 1ms, max = 5ms }", clock::get);
        List<RawHttp> clients = new java.util.ArrayList<>();
        try {
            for (RawHttp.Response filled : fillTenConnections(clients)) {
                assertEquals("fresh", filled.text());
            }
            for (RawHttp client : clients) {
                client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
                RawHttp.Response response = client.read();
                assertEquals(200, response.status(), "a dead pooled connection must not fail the request: "
                        + response.text());
            }
        } finally {
            for (RawHttp client : clients) {
                client.close();
            }
        }
        assertFalse(proxy.observer.attempts.contains("reset"), "no attempt was spent on a dead connection: "
                + proxy.observer.attempts);
    }

    @Test
    void aStaleReusedConnectionIsNeverRetriedForPost() {
        start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.echo()), "backoff { initial = 1ms, max = 5ms }",
                clock::get);
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status());
            raw.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n$10");
            RawHttp.Response response = raw.read();
            assertEquals(502, response.status(), response.text());
            assertTrue(response.text().contains("\"UPSTREAM_RESET\""), response.text());
        }
        assertEquals(1, count(r -> r.method().equals("POST")), "the upstream may have acted on it: sent once");
    }

    @Test
    void aPostThatMeetsAConnectionClosedWhileIdleFailsWithoutCountingAgainstTheBreaker() {
        // An upstream that closes idle connections on a timer of its own, as node's and nginx's keep-alive
        // timeouts do, and a breaker that opens at the first failure: the POST meets a connection that sat idle
        // for two seconds and that the upstream closed as it was reused, which says nothing of its health.
        assertEquals(200, postOverAStaleConnection(() -> clock.addAndGet(TimeUnit.SECONDS.toNanos(2))),
                "the breaker is closed");
    }

    @Test
    void aPostThatMeetsAConnectionResetAsSoonAsItWasReusedCountsAgainstTheBreaker() {
        // Reused at once, as under load, the reset may be a worker that died on the request: its breaker hears of it.
        assertEquals(503, postOverAStaleConnection(() -> { }), "the breaker opened");
    }

    /**
     * GET /warm leaves a pooled connection, {@code betweenRequests} runs, a POST goes over that connection, which
     * the upstream closes without a word (502 {@code UPSTREAM_RESET}, not sent again); then a GET on a new client
     * connection: its status, with a breaker that opens at the first failure.
     */
    private int postOverAStaleConnection(Runnable betweenRequests) {
        upstream = closing.add(FakeUpstream.start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.echo())));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority()
                + "\"], circuit-breaker { consecutive-failures = 1 } }", "{ name = default, upstream = app }"),
                clock::get));
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status());
            betweenRequests.run();
            raw.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n$10");
            RawHttp.Response response = raw.read();
            assertEquals(502, response.status(), response.text());
            assertTrue(response.text().contains("\"UPSTREAM_RESET\""), "not sent again: " + response.text());
        }
        assertEquals(1, count(r -> r.method().equals("POST")), "sent once");
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n").read().status();
        }
    }

    @Test
    void aPostThatMeetsAStaleConnectionClosesItsIdleSiblingsSoTheNextPostsGetFreshOnes() {
        // The connections of the first ten requests are dropped when reused (their keep-alive timer ran out);
        // the connections opened after them are not.
        java.util.Set<Long> expired = java.util.concurrent.ConcurrentHashMap.newKeySet();
        start((req, reply) -> {
            if (req.uri().startsWith("/fill/")) {
                expired.add(req.connectionId());
                reply.after(300, () -> reply.echo());
            } else if (expired.contains(req.connectionId())) {
                reply.close();
            } else {
                reply.echo();
            }
        }, "backoff { initial = 1ms, max = 5ms }", clock::get);
        List<RawHttp> clients = new java.util.ArrayList<>();
        int failed = 0;
        try {
            for (RawHttp.Response filled : fillTenConnections(clients)) {
                assertEquals(200, filled.status());
            }
            for (RawHttp client : clients) { // ten pooled connections, each of which the upstream drops when reused
                client.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n$10");
                if (client.read().status() != 200) {
                    failed++;
                }
            }
        } finally {
            for (RawHttp client : clients) {
                client.close();
            }
        }
        assertTrue(failed <= 2, "at most the first POST on each of the two event loops meets a dead connection: "
                + failed + " failed");
    }

    @Test
    void aStaleReusedConnectionIsRetriedEvenWhenTheRouteAllowsNoRetries() {
        start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.ok("fresh")), "attempts = 1", clock::get);
        RawHttp.Response response = againOverAWarmConnection();
        assertEquals(200, response.status(), "a stale connection is not the request's failure: " + response.text());
        assertEquals(2, count(r -> r.uri().equals("/again")));
        assertTrue(proxy.observer.retries.contains("stale-connection"), proxy.observer.retries.toString());
    }

    /**
     * A reset that comes long after the request reached a reused connection is no keep-alive race: the
     * upstream may have worked on the request (and crashed), so a route that allows no retries sends it once.
     */
    @Test
    void aReusedConnectionResetLongAfterTheRequestIsNotRetriedAsStale() {
        java.util.Set<Long> used = java.util.concurrent.ConcurrentHashMap.newKeySet();
        start((req, reply) -> {
            if (used.add(req.connectionId())) {
                reply.send(200, "text/plain", "fresh");
            } else {
                reply.after(500, () -> { // worked on it for half a second, then crashed
                    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
                    reply.reset();
                });
            }
        }, "attempts = 1", clock::get);
        RawHttp.Response response = againOverAWarmConnection();
        assertEquals(502, response.status(), response.text());
        assertTrue(response.text().contains("\"UPSTREAM_RESET\""), response.text());
        assertEquals(1, count(r -> r.uri().equals("/again")), "the upstream may have acted on it: sent once");
        assertFalse(proxy.observer.retries.contains("stale-connection"), proxy.observer.retries.toString());
    }

    /**
     * An upstream that took a slow upload on a reused connection to its end and reset the connection then had
     * the connection open all along: no keep-alive race, though the reset came right after the request's end.
     */
    @Test
    void aReusedConnectionResetAsASlowUploadEndsIsNotRetriedAsStale() throws Exception {
        java.util.Set<Long> used = java.util.concurrent.ConcurrentHashMap.newKeySet();
        start((req, reply) -> {
            if (used.add(req.connectionId())) {
                reply.send(200, "text/plain", "fresh");
            } else {
                reply.reset(); // read the whole upload, then crashed
            }
        }, "attempts = 1", clock::get);
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fresh", raw.read().text());
            raw.send("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 6; i++) {
                raw.send("5\r\nhello\r\n");
                Thread.sleep(100); // a client that uploads slowly: streamed to the upstream as it comes
                clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
            }
            raw.send("0\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(502, response.status(), response.text());
            assertTrue(response.text().contains("\"UPSTREAM_RESET\""), response.text());
        }
        assertEquals(1, count(r -> r.uri().equals("/upload")), "the upstream may have acted on it: sent once");
        assertFalse(proxy.observer.retries.contains("stale-connection"), proxy.observer.retries.toString());
    }

    @Test
    void aStaleConnectionRetryDoesNotUseUpTheRoutesAttempts() {
        java.util.concurrent.atomic.AtomicInteger againAnswered = new java.util.concurrent.atomic.AtomicInteger();
        start(UpstreamBehavior.closeOnReuse((req, reply) -> {
            if (req.uri().equals("/again") && againAnswered.incrementAndGet() == 1) {
                reply.send(503, "text/plain", "busy");
            } else {
                reply.send(200, "text/plain", "fresh");
            }
        }), "attempts = 2, backoff { initial = 1ms, max = 5ms }", clock::get);
        RawHttp.Response response = againOverAWarmConnection();
        // stale connection (free), then 503 (attempt 1 of 2, retried; its connection drained and pooled), the
        // retry on that pooled connection, which this upstream closes too (stale again, free), then 200 (attempt
        // 2 of 2) on a fresh one
        assertEquals(200, response.status(), response.text());
        assertEquals(4, count(r -> r.uri().equals("/again")));
    }

    @Test
    void aPostWithAnIdempotencyKeyIsRetriedPastAStaleConnection() {
        start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.echo()), "attempts = 1", clock::get);
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status());
            raw.send("POST /pay HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k-1\r\nContent-Length: 3\r\n\r\n$10");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status(), response.text());
            assertEquals("$10", response.text());
        }
        assertEquals(2, count(r -> r.method().equals("POST")), "the key makes a repeat safe");
    }
}
