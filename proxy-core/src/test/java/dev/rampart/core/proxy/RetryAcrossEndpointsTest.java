package dev.rampart.core.proxy;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which endpoint a retry goes to when an upstream has several: one not tried yet first, then round them
 * again rather than back to the one that just failed, past a refusing one without waiting; and an endpoint's own
 * Retry-After does not hold a retry that goes to another.
 */
class RetryAcrossEndpointsTest {

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxy(FakeUpstream a, FakeUpstream b, String retry) {
        return proxy(a.authority(), b.authority(), "enabled = false", retry);
    }

    /** Endpoints {@code a} and {@code b} (host:port), in that order, with these breaker and retry settings. */
    private ProxyHarness proxy(String a, String b, String circuitBreaker, String retry) {
        return closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + a + "\", \"" + b + "\"], circuit-breaker { " + circuitBreaker + " } }",
                "{ name = default, upstream = app, timeout = 10s, retry { " + retry + " } }")));
    }

    private static HttpResponse<String> get(ProxyHarness proxy, String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void onceEveryEndpointWasTriedRetriesGoRoundThemAgainNotBackToTheOneThatJustFailed() throws Exception {
        FakeUpstream a = closing.add(FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "a down")));
        FakeUpstream b = closing.add(FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "b down")));
        ProxyHarness proxy = proxy(a, b, "attempts = 5, backoff { initial = 1ms, max = 1ms }");

        for (int i = 1; i <= 3; i++) {
            assertEquals(503, get(proxy, "/down/" + i).statusCode());
            // Five attempts over two endpoints: 3 and 2, alternating. Before, a retry that found both tried
            // moved the round robin twice and landed on the same endpoint each time: 1 and 4.
            int toA = a.requests().size();
            int toB = b.requests().size();
            assertEquals(5 * i, toA + toB);
            assertTrue(Math.abs(toA - toB) <= i, "request " + i + ": " + toA + " to a, " + toB + " to b");
        }
    }

    @Test
    void aRetryBackToATriedEndpointWaitsForWhatThatEndpointAskedNotWhatTheLastOneDid() throws Exception {
        java.util.List<Long> askingTimes = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeUpstream asking = closing.add(FakeUpstream.start((req, reply) -> {
            askingTimes.add(System.nanoTime());
            reply.send(503, "text/plain", "busy", "Retry-After", "2");
        }));
        FakeUpstream failing = closing.add(FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "down")));
        ProxyHarness proxy = proxy(asking, failing, "attempts = 3, backoff { initial = 1ms, max = 1ms }");

        for (int i = 0; i < 2; i++) { // the round robin starts one of them on each endpoint
            askingTimes.clear();
            long start = System.nanoTime();
            assertEquals(503, get(proxy, "/busy/" + i).statusCode());
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            if (askingTimes.size() == 2) {
                // asking, failing, asking: the way back to the endpoint that asked for 2 s waits for them. Before,
                // the last failure's (none) applied, and it was called again a millisecond later.
                long gapMillis = (askingTimes.get(1) - askingTimes.get(0)) / 1_000_000;
                assertTrue(gapMillis >= 1_800, "called again " + gapMillis + " ms after it asked for 2 s");
            } else {
                // failing, asking, failing: the way back to the endpoint that asked nothing does not wait.
                // Waiting for the other's Retry-After would take its 2 s; below that is a loaded machine's time.
                assertTrue(tookMillis < 1_900, "waited " + tookMillis + " ms for another endpoint's Retry-After");
            }
        }
    }

    @Test
    void aRetryAfterFromOneEndpointDoesNotHoldTheRetryThatGoesToAnother() throws Exception {
        FakeUpstream draining = closing.add(FakeUpstream.start((req, reply) ->
                reply.send(503, "text/plain", "maintenance", "Retry-After", "30")));
        FakeUpstream healthy = closing.add(FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "fine")));
        ProxyHarness proxy = proxy(draining, healthy, "attempts = 2");

        for (int i = 0; i < 4; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = get(proxy, "/r/" + i);
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            // Before, the 30 s (over retry-after.max) stopped the retry: 503 while the other endpoint was fine.
            assertEquals(200, response.statusCode(), "request " + i + ": " + response.body());
            assertTrue(tookMillis < 3_000, "not held by the other endpoint's Retry-After: " + tookMillis + " ms");
        }
        assertTrue(draining.requests().size() >= 1, "round robin sent some first attempts to the draining endpoint");
    }

    @Test
    void aRefusedEndpointIsSkippedForALiveOneWithoutBackoff() throws Exception {
        FakeUpstream live = closing.add(FakeUpstream.start(UpstreamBehavior.ok("alive")));
        int refusing = FakeUpstream.refusingPort();
        // A backoff of 2 s would be unmistakable: a refused endpoint with another left must not wait at all.
        ProxyHarness proxy = proxy("127.0.0.1:" + refusing, live.authority(), "enabled = false",
                "attempts = 2, backoff { initial = 2s, max = 2s, jitter = none }");

        for (int i = 0; i < 4; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = get(proxy, "/spread/" + i);
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, response.statusCode());
            assertEquals("alive", response.body());
            assertTrue(tookMillis < 1_500, "no backoff after a refusal with a live endpoint left: " + tookMillis);
        }
        assertTrue(proxy.observer.attempts.contains("connect_refused"),
                "round robin sent some first attempts to the refusing endpoint: " + proxy.observer.attempts);
    }

    @Test
    void aRefusalWaitsForTheBackoffWhenEveryOtherEndpointIsOpen() throws Exception {
        FakeUpstream other = closing.add(FakeUpstream.start(UpstreamBehavior.ok("other")));
        int refusing = FakeUpstream.refusingPort();
        ProxyHarness proxy = proxy("127.0.0.1:" + refusing, other.authority(),
                "consecutive-failures = 3, open-duration = 60s",
                "attempts = 2, backoff { initial = 600ms, max = 600ms, jitter = none }");
        var breakerConfig = proxy.runtime().config().upstreams().get("app").circuitBreaker();
        var otherBreaker = proxy.runtime().breakers().get("app", EndpointAddress.parse(other.authority()), breakerConfig);
        for (int i = 0; i < 3; i++) {
            otherBreaker.onFailure(0);
        }

        long start = System.nanoTime();
        HttpResponse<String> response = get(proxy, "/only-the-refusing-one-admits");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(502, response.statusCode(), response.body());
        assertEquals(List.of("connect_refused", "connect_refused"), proxy.observer.attempts);
        assertTrue(tookMillis >= 500, "the other endpoint's breaker is open, so none is left to move to at once: "
                + "the refusing endpoint is tried again after the backoff, not back to back (" + tookMillis + " ms)");
        assertEquals(0, other.requests().size());
    }
}
