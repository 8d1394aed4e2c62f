package dev.rampart.core.proxy;

import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code max-concurrent-requests} end to end: requests beyond it are shed without calling the upstream. */
class BulkheadTest {

    private final ConcurrentLinkedQueue<UpstreamReply> held = new ConcurrentLinkedQueue<>();
    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @BeforeEach
    void start() {
        // Holds every request until the test lets it go, so "in flight" is under the test's control.
        upstream = FakeUpstream.start((req, reply) -> held.add(reply));
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], max-concurrent-requests = 2,"
                        + " circuit-breaker { enabled = false } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 10s,"
                        + " retry { per-try-timeout = 10s } }"));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return proxy.client().sendAsync(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void requestsBeyondTheLimitAreShedAndCapacityReturnsAfterwards() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        inFlight.add(getAsync("/slow/1"));
        inFlight.add(getAsync("/slow/2"));
        awaitHeld(2);

        HttpResponse<String> rejected = getAsync("/one-too-many").get(5, TimeUnit.SECONDS);

        assertEquals(503, rejected.statusCode());
        Envelope envelope = Envelope.parse(rejected.body());
        assertEquals("UPSTREAM_OVERLOADED", envelope.reason());
        assertEquals("true", envelope.metadata("retryable"));
        assertEquals("0", envelope.metadata("attempts"));
        assertTrue(Long.parseLong(rejected.headers().firstValue("retry-after").orElseThrow()) >= 1);
        assertTrue(rejected.headers().firstValue("proxy-status").orElse("").contains("error=connection_limit_reached"),
                rejected.headers().toString());
        assertEquals(2, upstream.requests().size(), "the shed request never reached the upstream");

        UpstreamReply reply;
        while ((reply = held.poll()) != null) {
            reply.send(200, "text/plain", "done");
        }
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            assertEquals(200, f.get(5, TimeUnit.SECONDS).statusCode());
        }
        proxy.observer.awaitExchange(3);

        CompletableFuture<HttpResponse<String>> next1 = getAsync("/again/1");
        CompletableFuture<HttpResponse<String>> next2 = getAsync("/again/2");
        awaitHeld(2);
        while ((reply = held.poll()) != null) {
            reply.send(200, "text/plain", "done");
        }
        assertEquals(200, next1.get(5, TimeUnit.SECONDS).statusCode(), "the slots were given back");
        assertEquals(200, next2.get(5, TimeUnit.SECONDS).statusCode());
        assertEquals(4, upstream.requests().size());
    }

    @Test
    void requestsInFlightStillCountAgainstTheLimitAfterAReload() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> inFlight = List.of(getAsync("/slow/1"), getAsync("/slow/2"));
        awaitHeld(2);

        proxy.runtime().apply(proxy.runtime().config()); // a reload that changes nothing (a SIGHUP, a touch)
        HttpResponse<String> rejected = getAsync("/after-reload").get(5, TimeUnit.SECONDS);

        assertEquals(503, rejected.statusCode(), "the two held requests still fill max-concurrent-requests = 2");
        assertEquals("UPSTREAM_OVERLOADED", Envelope.parse(rejected.body()).reason());
        UpstreamReply reply;
        while ((reply = held.poll()) != null) {
            reply.send(200, "text/plain", "done");
        }
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            assertEquals(200, f.get(5, TimeUnit.SECONDS).statusCode());
        }
    }

    @Test
    void aSlotIsGivenBackWhenTheExchangeFails() throws Exception {
        for (int i = 0; i < 3; i++) {
            CompletableFuture<HttpResponse<String>> f = getAsync("/fails/" + i);
            resetEveryAttemptUntilDone(f);
            HttpResponse<String> response = f.get(5, TimeUnit.SECONDS);
            assertEquals("UPSTREAM_RESET", Envelope.parse(response.body()).reason());
        }
        // A slot is given back when the exchange ends, just after its answer was written.
        proxy.observer.awaitExchange(3);
        // Three failed exchanges later both slots are free: two concurrent requests are admitted.
        CompletableFuture<HttpResponse<String>> a = getAsync("/a");
        CompletableFuture<HttpResponse<String>> b = getAsync("/b");
        awaitHeld(2);
        UpstreamReply reply;
        while ((reply = held.poll()) != null) {
            reply.send(200, "text/plain", "ok");
        }
        assertEquals(200, a.get(5, TimeUnit.SECONDS).statusCode());
        assertEquals(200, b.get(5, TimeUnit.SECONDS).statusCode());
    }

    private void resetEveryAttemptUntilDone(CompletableFuture<?> exchange) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!exchange.isDone() && System.nanoTime() < deadline) {
            UpstreamReply reply = held.poll();
            if (reply != null) {
                reply.reset();
            } else {
                Thread.sleep(5);
            }
        }
    }

    private void awaitHeld(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (held.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the upstream holds " + held.size() + " requests, expected " + n);
            }
            Thread.sleep(10);
        }
    }
}
