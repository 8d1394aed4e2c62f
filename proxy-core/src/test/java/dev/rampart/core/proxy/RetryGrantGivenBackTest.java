package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.resilience.RetryBudget;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A retry takes its budget token when it is decided, then waits out its backoff. When it is not sent after all,
 * because every breaker opened in the wait or the client left, the token goes back: a burst of failures whose
 * retries met open breakers must not leave the route without retries for the rest of the window.
 */
class RetryGrantGivenBackTest {

    /**
     * The proxy's clock stands still, so the budget's window never moves on: a token not given back stays counted
     * for the whole test, instead of leaving the window ten seconds later as if it had been.
     */
    private static final Ticker STILL = () -> 1_000_000_000_000L;

    /** One retry after a fixed 800 ms backoff, at most 10 per window; the breaker opens only when told here. */
    private static final String ROUTE = "{ name = default, upstream = app, retry { attempts = 2,"
            + " on = [gateway-error], backoff { initial = 800ms, max = 800ms, jitter = none },"
            + " budget { ratio = 0, min-per-second = 1 } } }";

    @Test
    void aRetryThatFindsEveryBreakerOpenAfterItsBackoffGivesItsTokenBack() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "down"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream), STILL)) {
            CompletableFuture<HttpResponse<String>> answer = proxy.client().sendAsync(
                    HttpRequest.newBuilder(proxy.uri("/during-the-backoff")).build(), HttpResponse.BodyHandlers.ofString());
            Await.until(() -> upstream.requests().size() == 1, "the first attempt");
            Await.until(() -> budget(proxy).retriesInWindow() == 1, "the retry granted, waiting out its backoff");

            // Another request's failures open the only breaker while this one waits.
            var breakerConfig = proxy.runtime().config().upstreams().get("app").circuitBreaker();
            var breaker = proxy.runtime().breakers().get("app", EndpointAddress.parse(upstream.authority()), breakerConfig);
            for (int i = 0; i < 5; i++) {
                breaker.onFailure(0);
            }

            assertEquals(503, answer.get(10, TimeUnit.SECONDS).statusCode());
            assertEquals(1, upstream.requests().size(), "the retry was not sent");
            assertTrue(proxy.observer.skipped.contains("circuit-open"), "counted as skipped: " + proxy.observer.skipped);
            assertEquals(0, budget(proxy).retriesInWindow(), "the token of the retry not sent is back");
        }
    }

    @Test
    void aClientThatLeavesDuringTheBackoffGivesTheTokenBack() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "down"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream), STILL)) {
            try (RawHttp client = proxy.raw()) {
                client.send("GET /then-gone HTTP/1.1\r\nHost: x\r\n\r\n");
                Await.until(() -> upstream.requests().size() == 1, "the first attempt");
                Await.until(() -> budget(proxy).retriesInWindow() == 1, "the retry granted, waiting out its backoff");
                client.socket().setSoLinger(true, 0); // a reset: the client is gone, not half-closed
            }

            Await.until(() -> budget(proxy).retriesInWindow() == 0, "the token of the cancelled retry given back");
            assertEquals(1, upstream.requests().size(), "the retry was not sent");
        }
    }

    @Test
    void aRetrySentKeepsItsToken() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "down"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream), STILL)) {
            HttpResponse<String> response = proxy.client().send(
                    HttpRequest.newBuilder(proxy.uri("/retried")).build(), HttpResponse.BodyHandlers.ofString());

            assertEquals(503, response.statusCode());
            assertEquals(2, upstream.requests().size());
            assertEquals(1, budget(proxy).retriesInWindow());
        }
    }

    private static RetryBudget budget(ProxyHarness proxy) {
        return proxy.runtime().current().retryPolicy("default").budget();
    }

    private static String config(FakeUpstream upstream) {
        return ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"],"
                + " circuit-breaker { consecutive-failures = 5, open-duration = 60s } }", ROUTE);
    }
}
