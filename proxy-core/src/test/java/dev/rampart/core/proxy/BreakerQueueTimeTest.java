package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Time a request spends in the proxy's own queue, waiting for one of an endpoint's connections, is not the
 * endpoint's: a deadline that passes there, or a wait that makes the whole call slow, does not count against its
 * breaker; a deadline that cuts a request the endpoint had long enough does.
 */
class BreakerQueueTimeTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    private static final String NO_RETRIES = "retry { attempts = 1 }";

    private HttpResponse<String> get(String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDeadlinePassedWhileQueuedForTheProxysOwnConnectionIsNotTheUpstreamsFailure() throws Exception {
        upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (req.uri().startsWith("/slow")) {
                reply.after(1_000, () -> reply.send(200, "text/plain", "slow"));
            } else {
                reply.send(200, "text/plain", "fast");
            }
        }));
        startBehindOneConnection("consecutive-failures = 1, minimum-calls = 100, open-duration = 30s",
                "{ name = slow, match { path-prefix = \"/slow\" }, upstream = app, timeout = 5s, " + NO_RETRIES + " }\n"
                        + "{ name = fast, match { path-prefix = \"/\" }, upstream = app, timeout = 300ms, "
                        + NO_RETRIES + " }");

        assertEquals(List.of(200, 504), firstThenQueuedBehindIt("/slow", "/queued"),
                "the deadline passed in the proxy's own queue");

        assertEquals(200, get("/after").statusCode(), "the endpoint's breaker stayed closed");
        assertFalse(proxy.observer.attempts.contains("timeout"), "nothing timed out at the endpoint: "
                + proxy.observer.attempts);
        assertTrue(proxy.observer.attempts.contains("cancelled"), proxy.observer.attempts.toString());
    }

    @Test
    void aRequestSentWithMomentsLeftAfterAWaitForTheProxysOwnConnectionIsNotTheUpstreamsTimeout() throws Exception {
        upstream = closing.add(FakeUpstream.start(
                (req, reply) -> reply.after(1_000, () -> reply.send(200, "text/plain", "slow"))));
        startBehindOneConnection("consecutive-failures = 1, minimum-calls = 100, open-duration = 30s",
                "{ name = tight, match { path-prefix = \"/tight\" }, upstream = app, timeout = 1300ms, "
                        + NO_RETRIES + " }\n"
                        + "{ name = slow, match { path-prefix = \"/\" }, upstream = app, timeout = 5s, "
                        + NO_RETRIES + " }");

        // The queued request gets the connection after ~1 s, is sent with ~300 ms of its 1.3 s left, and is
        // cut at its deadline while the endpoint takes its usual second.
        assertEquals(List.of(200, 504), firstThenQueuedBehindIt("/slow", "/tight"));

        proxy.observer.awaitExchange(2);
        assertEquals(List.of("success", "cancelled"), proxy.observer.attempts,
                "the endpoint had the late request for less than half the route's timeout");
        assertEquals(200, get("/after").statusCode(), "the endpoint's breaker stayed closed");
    }

    @Test
    void aDeadlineThatCutsARequestTheEndpointHadLongEnoughIsItsTimeout() throws Exception {
        upstream = closing.add(FakeUpstream.start(
                (req, reply) -> reply.after(1_000, () -> reply.send(200, "text/plain", "slow"))));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"],"
                        + " circuit-breaker { consecutive-failures = 1, minimum-calls = 100, open-duration = 30s } }",
                "{ name = default, upstream = app, timeout = 400ms, " + NO_RETRIES + " }")));

        assertEquals(504, get("/late").statusCode());
        proxy.observer.awaitExchange(1);
        assertEquals(List.of("timeout"), proxy.observer.attempts, "400 ms at the endpoint, all of them");
        assertEquals(503, get("/after").statusCode(), "and it opened the breaker");
    }

    @Test
    void timeQueuedForTheProxysOwnConnectionIsNotCountedAsASlowCall() throws Exception {
        upstream = closing.add(FakeUpstream.start(
                (req, reply) -> reply.after(1_000, () -> reply.send(200, "text/plain", "ok"))));
        startBehindOneConnection("slow-call-duration = 1500ms, slow-call-rate-threshold = 50, minimum-calls = 2,"
                + " consecutive-failures = 100, open-duration = 30s",
                "{ name = default, upstream = app, timeout = 10s, " + NO_RETRIES + " }");

        // The queued request waits about a second for the connection, then takes a second at the endpoint: under
        // the 1.5 s threshold, which the two together exceed. Each call may take half a second more than its
        // second on a loaded machine before it counts as slow (300 ms under a 500 ms threshold left 200 ms, and
        // loaded runs went past it: one slow call of the two opened the breaker).
        assertEquals(List.of(200, 200), firstThenQueuedBehindIt("/first", "/queued"));

        assertEquals(200, get("/after").statusCode(), "neither call was slow at the endpoint: the breaker is closed");
    }

    /** A proxy whose upstream {@code app} has one connection per endpoint, with the given breaker settings. */
    private void startBehindOneConnection(String breaker, String routes) {
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority()
                + "\"], max-connections-per-endpoint = 1, circuit-breaker { " + breaker + " } }", routes)
                + ProxyHarness.CONNECTIONS_IN_TURN));
    }

    /**
     * Sends {@code firstPath}, then, once the upstream has it, {@code queuedPath} on a client connection of the
     * same event loop (connections go to the two loops in turn: the first and third share one, and with it
     * that loop's single upstream connection), so the second waits for the first's; their statuses. Waiting
     * for the upstream, not a fixed pause, keeps a loaded machine from sending the second first.
     */
    private List<Integer> firstThenQueuedBehindIt(String firstPath, String queuedPath) {
        try (RawHttp first = proxy.raw(); RawHttp otherLoop = proxy.raw(); RawHttp queued = proxy.raw()) {
            int seen = upstream.requests().size();
            first.send("GET " + firstPath + " HTTP/1.1\r\nHost: x\r\n\r\n");
            Await.until(() -> upstream.requests().size() > seen, "the first request is at the upstream");
            queued.send("GET " + queuedPath + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return List.of(first.read().status(), queued.read().status());
        }
    }
}
