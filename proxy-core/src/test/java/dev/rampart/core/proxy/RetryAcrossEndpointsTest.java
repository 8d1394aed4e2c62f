package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which endpoint a retry goes to when an upstream has several: one not tried yet first, then round them
 * again rather than back to the one that just failed; and an endpoint's own Retry-After does not hold a
 * retry that goes to another.
 */
class RetryAcrossEndpointsTest {

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxy(FakeUpstream a, FakeUpstream b, String retry) {
        return closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"],"
                        + " circuit-breaker { enabled = false } }",
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
                assertTrue(tookMillis < 1_500, "waited " + tookMillis + " ms for another endpoint's Retry-After");
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
}
