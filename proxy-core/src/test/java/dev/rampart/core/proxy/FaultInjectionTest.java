package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstreams that refuse, hang, reset, trickle, drop a reused connection or speak garbage, and clients that
 * leave at every stage. Each time the client gets a complete response, an envelope or a clean close; a
 * non-idempotent request never reaches the upstream twice; the proxy keeps serving others meanwhile
 * (its event loops are not blocked); leaks fail the class through the leak check.
 */
class FaultInjectionTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    /** GET /warm leaves a pooled upstream connection behind ("fresh"); GET /again goes over it: its answer. */
    private RawHttp.Response againOverAWarmConnection() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fresh", raw.read().text());
            raw.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
            return raw.read();
        }
    }

    /**
     * Ten clients each send GET /fill/N at once, so that the proxy opens ten upstream connections, pooled once
     * answered; the clients go in {@code clients}, for the caller to close. Their answers.
     */
    private List<RawHttp.Response> fillTenConnections(List<RawHttp> clients) {
        for (int i = 0; i < 10; i++) {
            RawHttp client = proxy.raw();
            clients.add(client);
            client.send("GET /fill/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        List<RawHttp.Response> answers = new ArrayList<>();
        for (RawHttp client : clients) {
            answers.add(client.read());
        }
        return answers;
    }

    private void start(UpstreamBehavior behavior, String retry) {
        upstream = closing.add(FakeUpstream.start(behavior));
        startProxy("\"" + upstream.authority() + "\"", retry);
    }

    private void startProxy(String endpoints, String retry) {
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config("app { endpoints = [" + endpoints + "] }",
                "{ name = direct, match { path-prefix = \"/direct\" }, respond { status = 200, body = \"direct\" } },\n"
                        + "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 10s\n"
                        + "  retry { " + retry + " } }")));
    }


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
    void aStaleReusedConnectionIsRetriedTransparentlyForGet() {
        start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.ok("fresh")), "backoff { initial = 1ms, max = 5ms }");
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
                "backoff { initial = 1ms, max = 5ms }");
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
        start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.echo()), "backoff { initial = 1ms, max = 5ms }");
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
        AtomicLong skew = new AtomicLong();
        assertEquals(200, postOverAStaleConnection(() -> skew.addAndGet(TimeUnit.SECONDS.toNanos(2)), skew),
                "the breaker is closed");
    }

    @Test
    void aPostThatMeetsAConnectionResetAsSoonAsItWasReusedCountsAgainstTheBreaker() {
        // Reused at once, as under load, the reset may be a worker that died on the request: its breaker hears of it.
        assertEquals(503, postOverAStaleConnection(() -> { }, new AtomicLong()), "the breaker opened");
    }

    /**
     * GET /warm leaves a pooled connection, {@code betweenRequests} runs, a POST goes over that connection, which
     * the upstream closes without a word (502 {@code UPSTREAM_RESET}, not sent again); then a GET on a new client
     * connection: its status, with a breaker that opens at the first failure.
     */
    private int postOverAStaleConnection(Runnable betweenRequests, AtomicLong skew) {
        upstream = closing.add(FakeUpstream.start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.echo())));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority()
                + "\"], circuit-breaker { consecutive-failures = 1 } }", "{ name = default, upstream = app }"),
                () -> System.nanoTime() + skew.get()));
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
        }, "backoff { initial = 1ms, max = 5ms }");
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
        start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.ok("fresh")), "attempts = 1");
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
                reply.after(500, reply::reset); // worked on it for half a second, then crashed
            }
        }, "attempts = 1");
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
        }, "attempts = 1");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fresh", raw.read().text());
            raw.send("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 6; i++) {
                raw.send("5\r\nhello\r\n");
                Thread.sleep(100); // a client that uploads slowly: streamed to the upstream as it comes
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
        }), "attempts = 2, backoff { initial = 1ms, max = 5ms }");
        RawHttp.Response response = againOverAWarmConnection();
        // stale connection (free), then 503 (attempt 1 of 2, retried; its connection drained and pooled), the
        // retry on that pooled connection, which this upstream closes too (stale again, free), then 200 (attempt
        // 2 of 2) on a fresh one
        assertEquals(200, response.status(), response.text());
        assertEquals(4, count(r -> r.uri().equals("/again")));
    }

    @Test
    void aPostWithAnIdempotencyKeyIsRetriedPastAStaleConnection() {
        start(UpstreamBehavior.closeOnReuse(UpstreamBehavior.echo()), "attempts = 1");
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
        poll(() -> proxy.observer.exchanges.stream().anyMatch(e -> e.status() == 200 && "CLIENT_CLOSED".equals(e.reason())),
                "the exchange logged with the status sent and CLIENT_CLOSED: " + proxy.observer.exchanges);
        // The relay stopped: the upstream connection streaming the 50 MiB is closed, not left to run.
        poll(() -> upstream.connectionsOpen() == 0, "the upstream connection of the cut relay to close");
        assertServing();
        assertEquals(1, upstream.requests().size());
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private HttpRequest post(String path, String body) {
        return HttpRequest.newBuilder(proxy.uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return proxy.client().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private long count(Predicate<RecordedRequest> which) {
        return upstream.requests().stream().filter(which).count();
    }

    /** The proxy still answers a new client promptly. */
    private void assertServing() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /direct HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("direct", raw.read().text());
        }
    }

    private void awaitUpstream(int n) {
        poll(() -> upstream.requests().size() >= n, "the upstream to receive " + n + " request(s)");
    }

    private void awaitExchangeWithStatus(int status, int n) {
        poll(() -> proxy.observer.exchanges.stream().filter(e -> e.status() == status).count() >= n,
                n + " exchange(s) with status " + status + " in " + proxy.observer.exchanges.stream()
                        .map(ExchangeRecord::status).toList());
    }

    private static void poll(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
