package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A route's retry budget is kept across a reload that leaves its {@code retry.budget} as it was: a reload
 * (a no-op {@code touch} of the file, config management re-applying the same file during an incident) hands
 * out no fresh reserve of retries. A changed budget starts empty.
 */
class RetryBudgetAcrossReloadTest {

    /** At most 10 retries per 10-second window (min-per-second × 10, ratio 0); the upstream always fails. */
    private static final String TEN_PER_WINDOW = "{ name = default, upstream = app, retry { attempts = 2,"
            + " on = [gateway-error], backoff { initial = 1ms, max = 1ms, jitter = none },"
            + " budget { ratio = 0, min-per-second = 1 } } }";

    @Test
    void aReloadThatKeepsTheBudgetGrantsNoFreshRetries() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "down"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream, TEN_PER_WINDOW))) {
            sendSequentially(proxy, 15);
            assertEquals(25, upstream.requests().size(), "15 requests, 10 of them retried: the budget is spent");

            proxy.runtime().apply(proxy.runtime().config()); // a reload that changes nothing
            sendSequentially(proxy, 5);

            assertEquals(30, upstream.requests().size(), "still spent after the reload: no retry of the 5 more");
        }
    }

    @Test
    void aChangedBudgetStartsAfresh() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "down"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream, TEN_PER_WINDOW))) {
            sendSequentially(proxy, 12);
            assertEquals(22, upstream.requests().size());

            proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(
                    config(upstream, TEN_PER_WINDOW.replace("min-per-second = 1", "min-per-second = 2")), "reloaded"));
            sendSequentially(proxy, 5);

            assertEquals(32, upstream.requests().size(), "a new budget of 20: each of the 5 is retried");
        }
    }

    /** One route to {@code upstream}, whose breaker stays out of the way of the retries counted. */
    private static String config(FakeUpstream upstream, String route) {
        return ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], circuit-breaker { enabled = false } }", route);
    }

    private static void sendSequentially(ProxyHarness proxy, int requests) throws Exception {
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/r" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, response.statusCode());
        }
    }
}
