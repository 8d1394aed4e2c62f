package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Endpoint breakers end to end: they trip, shield the upstream while open, and recover through half-open. */
class CircuitBreakerTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    private void start(UpstreamBehavior behavior, String breaker, String routeExtras) {
        upstream = closing.add(FakeUpstream.start(behavior));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], circuit-breaker { " + breaker + " } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app\n" + routeExtras + "\n}")));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static final String NO_RETRIES = "retry { attempts = 1 }";

    @Test
    void consecutiveFailuresTripTheBreakerAndItRecoversThroughHalfOpen() throws Exception {
        start(UpstreamBehavior.failTimes(Integer.MAX_VALUE, 500, UpstreamBehavior.ok("unused")),
                "consecutive-failures = 3, minimum-calls = 100, open-duration = 2s, half-open-probes = 1",
                NO_RETRIES);

        for (int i = 0; i < 3; i++) {
            assertEquals(500, get("/fail/" + i).statusCode());
        }
        HttpResponse<String> open = get("/while-open");

        assertEquals(503, open.statusCode());
        Envelope envelope = Envelope.parse(open.body());
        assertEquals("CIRCUIT_OPEN", envelope.reason());
        assertEquals("0", envelope.metadata("attempts"));
        assertEquals("true", envelope.metadata("retryable"));
        long retryAfter = Long.parseLong(open.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 2, "whole seconds until half-open (2 s open): " + retryAfter);
        assertTrue(open.headers().firstValue("proxy-status").orElse("").contains("error=destination_unavailable"));
        assertEquals(3, upstream.requests().size(), "no call reaches the upstream while its breaker is open");

        upstream.behave(UpstreamBehavior.ok("healthy"));
        assertEquals(200, awaitNotCircuitOpen(5_000), "the half-open probe went through and succeeded");
        assertEquals(200, get("/closed-again").statusCode());
        assertEquals(5, upstream.requests().size(), "one probe, then normal traffic");
    }

    @Test
    void aFailureRateOverTheThresholdTripsTheBreaker() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        // Alternating success and failure: never two failures in a row, but half of all calls fail.
        start((req, reply) -> reply.send(seen.incrementAndGet() % 2 == 0 ? 502 : 200, "text/plain", "x"),
                "consecutive-failures = 0, minimum-calls = 4, failure-rate-threshold = 50, window = 10s,"
                        + " open-duration = 5s", NO_RETRIES);

        for (int i = 0; i < 4; i++) {
            get("/mixed/" + i);
        }
        HttpResponse<String> open = get("/now-open");

        assertEquals(503, open.statusCode());
        assertEquals("CIRCUIT_OPEN", Envelope.parse(open.body()).reason());
        assertEquals(4, upstream.requests().size());
    }

    @Test
    void belowMinimumCallsTheRateRuleDoesNotTrip() throws Exception {
        start((req, reply) -> reply.send(502, "text/plain", "x"),
                "consecutive-failures = 0, minimum-calls = 10, failure-rate-threshold = 50", NO_RETRIES);

        for (int i = 0; i < 5; i++) {
            assertEquals("UPSTREAM_ERROR", Envelope.parse(get("/few/" + i).body()).reason());
        }
        assertEquals(5, upstream.requests().size());
    }

    /** The retry that finds the breaker open ends with what the upstream said, not with CIRCUIT_OPEN. */
    @Test
    void aRetryThatFindsTheBreakerOpenGivesTheLastUpstreamResponse() throws Exception {
        start(UpstreamBehavior.failTimes(Integer.MAX_VALUE, 503, UpstreamBehavior.ok("unused")),
                "consecutive-failures = 1, open-duration = 5s",
                "retry { attempts = 3, backoff { initial = 10ms, max = 10ms } }, errors { rewrite-upstream = [] }");

        HttpResponse<String> response = get("/tripping");

        assertEquals(503, response.statusCode());
        assertEquals("failure 1", response.body(), "the upstream's own response, passed through");
        assertEquals(1, upstream.requests().size());
        assertEquals(java.util.List.of("circuit-open"), proxy.observer.skipped,
                "the retry the failure that opened the breaker asked for is a skipped retry, and says why");
    }

    @Test
    void aRetryThatABreakerOpenedDuringItsBackoffStopsIsCountedSkippedNotAsARetry() throws Exception {
        upstream = closing.add(FakeUpstream.start(
                UpstreamBehavior.failTimes(Integer.MAX_VALUE, 503, UpstreamBehavior.ok("unused"))));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"],"
                        + " circuit-breaker { consecutive-failures = 2, minimum-calls = 100, open-duration = 5s } }",
                "{ name = once, match { path-prefix = \"/once\" }, upstream = app, retry { attempts = 1 } },\n"
                        + "{ name = default, match { path-prefix = \"/\" }, upstream = app,"
                        + " retry { attempts = 2, backoff { initial = 600ms, max = 600ms, jitter = none } } }")));

        var retrying = proxy.client().sendAsync(HttpRequest.newBuilder(proxy.uri("/retrying")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        Await.until(() -> upstream.requests().size() == 1, "the first attempt"); // it failed; the backoff runs
        assertEquals(503, get("/once").statusCode()); // the second failure in a row opens the breaker

        assertEquals(503, retrying.get().statusCode());
        proxy.observer.awaitExchange(2);
        assertEquals(2, upstream.requests().size(), "the retry never went out");
        assertEquals(java.util.List.of(), proxy.observer.retries, "so it is not counted as one");
        assertEquals(1, proxy.observer.skipped.stream().filter("circuit-open"::equals).count(),
                "but as a retry skipped because no breaker would take it: " + proxy.observer.skipped);
    }

    @Test
    void aRetryThatFindsTheBreakerOpenGivesTheLastUpstreamResponseThroughTheRewrite() throws Exception {
        start(UpstreamBehavior.failTimes(Integer.MAX_VALUE, 503, UpstreamBehavior.ok("unused")),
                "consecutive-failures = 1, open-duration = 5s",
                "retry { attempts = 3, backoff { initial = 10ms, max = 10ms } }");

        HttpResponse<String> response = get("/tripping");

        assertEquals(503, response.statusCode());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_ERROR", envelope.reason());
        assertEquals("1", envelope.metadata("attempts"));
        assertTrue(response.headers().firstValue("proxy-status").orElse("").contains("received-status=503"));
    }

    @Test
    void aRetryThatFindsTheBreakerOpenGivesTheLastFailureEnvelope() throws Exception {
        start(UpstreamBehavior.resetBeforeHead(), "consecutive-failures = 1, open-duration = 5s",
                "retry { attempts = 3, backoff { initial = 10ms, max = 10ms } }");

        HttpResponse<String> response = get("/tripping");

        assertEquals(502, response.statusCode());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_RESET", envelope.reason());
        assertFalse(response.headers().firstValue("retry-after").isPresent());
        assertEquals(1, upstream.requests().size());
    }

    /** Polls with plain requests until one is not refused by the open breaker; returns its status. */
    @Test
    void responsesCutOffMidBodyAreFailuresAndTripTheBreaker() throws Exception {
        start(UpstreamBehavior.resetMidBody(100_000, 1_000),
                "consecutive-failures = 3, minimum-calls = 100, open-duration = 10s", NO_RETRIES);

        for (int i = 0; i < 3; i++) {
            String path = "/cut/" + i;
            assertThrows(java.io.IOException.class, () -> get(path), "the client sees the cut, not a whole body");
        }
        proxy.observer.awaitExchange(3);
        HttpResponse<String> open = get("/while-open");

        assertEquals(503, open.statusCode(), "three bodies cut off in a row are three failures: " + open.body());
        assertEquals("CIRCUIT_OPEN", Envelope.parse(open.body()).reason());
        assertEquals(3, upstream.requests().size());
        assertEquals(java.util.List.of("reset", "reset", "reset"), proxy.observer.attempts,
                "counted when the body broke off, not as successes when the head arrived");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, proxy.observer.exchanges.get(i).status(), "the status the client was sent");
            assertEquals("UPSTREAM_RESET", proxy.observer.exchanges.get(i).reason(), "and why it ended early");
        }
    }

    @Test
    void anUpstreamThatStallsMidBodyUntilTheRouteDeadlineTimesOutForItsBreaker() throws Exception {
        start(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789"),
                "consecutive-failures = 2, minimum-calls = 100, open-duration = 10s", NO_RETRIES + ", timeout = 300ms");

        for (int i = 0; i < 2; i++) {
            String path = "/stall/" + i;
            assertThrows(java.io.IOException.class, () -> get(path), "the client sees the cut, not a whole body");
        }
        proxy.observer.awaitExchange(2);
        HttpResponse<String> open = get("/while-open");

        assertEquals(java.util.List.of("timeout", "timeout"), proxy.observer.attempts,
                "the upstream, not the client, left the body unfinished: not a success");
        assertEquals(503, open.statusCode(), "two stalled bodies in a row are two failures: " + open.body());
        assertEquals("CIRCUIT_OPEN", Envelope.parse(open.body()).reason());
    }

    @Test
    void anUpstreamSilentAfterItsHeadForTheIdleTimeoutTimesOutForItsBreakerHoweverLongItsTryMayTake() throws Exception {
        // The idle timeout (300ms) cuts the stall long before the try's fair wait (10s) is over: the endpoint
        // answered in time and then fell silent, which no lateness of the attempt excuses.
        upstream = closing.add(FakeUpstream.start(
                UpstreamBehavior.raw("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789")));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority()
                + "\"], circuit-breaker { consecutive-failures = 2, minimum-calls = 100, open-duration = 10s } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 20s,"
                        + " retry { attempts = 1, per-try-timeout = 10s } }")
                .replace("host = \"127.0.0.1\", port = 0 }", "host = \"127.0.0.1\", port = 0, idle-timeout = 300ms }")));

        for (int i = 0; i < 2; i++) {
            String path = "/silent/" + i;
            assertThrows(java.io.IOException.class, () -> get(path), "the client sees the cut, not a whole body");
        }
        assertEquals("GATEWAY_TIMEOUT", proxy.observer.awaitExchange(2).reason());
        assertEquals(java.util.List.of("timeout", "timeout"), proxy.observer.attempts, "not successes");
        HttpResponse<String> open = get("/while-open");
        assertEquals(503, open.statusCode(), "two silent bodies in a row are two failures: " + open.body());
        assertEquals("CIRCUIT_OPEN", Envelope.parse(open.body()).reason());
    }

    @Test
    void aClientThatStopsReadingUntilTheRouteDeadlineIsNotTheUpstreamsFailure() throws Exception {
        UpstreamBehavior small = UpstreamBehavior.ok("small");
        start((req, reply) -> {
            if (req.uri().equals("/big")) {
                reply.stream(256L * 1024 * 1024);
            } else {
                small.respond(req, reply);
            }
        },
                "consecutive-failures = 1, minimum-calls = 100, open-duration = 10s", NO_RETRIES + ", timeout = 1s");

        try (RawHttp raw = proxy.raw()) {
            raw.socket().setReceiveBufferSize(16 * 1024);
            raw.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); // and never reads: the relay waits on the client
            ExchangeRecord cut = proxy.observer.awaitExchange(1);
            assertEquals("GATEWAY_TIMEOUT", cut.reason());
        }

        assertEquals(java.util.List.of("success"), proxy.observer.attempts,
                "the upstream kept up; the client did not");
        assertEquals(200, get("/after").statusCode(), "the breaker stayed closed");
    }

    @Test
    void a501IsNoBreakerFailureButIsCountedAsThe5xxItIs() throws Exception {
        start(UpstreamBehavior.failTimes(Integer.MAX_VALUE, 501, UpstreamBehavior.ok("unused")),
                "consecutive-failures = 1, minimum-calls = 100", NO_RETRIES);

        assertEquals(501, get("/unimplemented/1").statusCode());
        assertEquals(501, get("/unimplemented/2").statusCode(), "the breaker stayed closed");
        proxy.observer.awaitExchange(2);

        assertEquals(2, upstream.requests().size());
        assertEquals(java.util.List.of("status_5xx", "status_5xx"), proxy.observer.attempts,
                "labelled by what was answered, whatever the breaker's state");
    }

    @Test
    void aReloadKeepsTheOpenBreakerOfAnUnchangedEndpointAndForgetsARemovedOne() throws Exception {
        start(UpstreamBehavior.failTimes(Integer.MAX_VALUE, 500, UpstreamBehavior.ok("unused")),
                "consecutive-failures = 1, minimum-calls = 100, open-duration = 60s", NO_RETRIES);
        int removedPort = FakeUpstream.refusingPort();
        String routes = "{ name = default, match { path-prefix = \"/\" }, upstream = app\n" + NO_RETRIES + "\n}";
        String breaker = "circuit-breaker { consecutive-failures = 1, minimum-calls = 100, open-duration = 60s }";
        proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(ProxyHarness.config("app { endpoints = [\""
                + upstream.authority() + "\", \"127.0.0.1:" + removedPort + "\"], " + breaker + " }", routes), "test.conf"));
        assertEquals(2, proxy.runtime().breakers().snapshot().size());
        for (int i = 0; i < 4 && upstream.requests().isEmpty(); i++) {
            get("/trip/" + i); // round robin: the answering endpoint's 500 opens its breaker
        }
        assertEquals(1, upstream.requests().size());

        proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(ProxyHarness.config("app { endpoints = [\""
                + upstream.authority() + "\"], " + breaker + " }", routes), "test.conf"));

        var listed = java.util.List.copyOf(proxy.runtime().breakers().snapshot());
        assertEquals(1, listed.size(), "the removed endpoint's breaker is gone: " + listed);
        assertEquals(upstream.authority(), listed.get(0).endpoint());
        assertEquals(dev.rampart.core.resilience.CircuitBreaker.State.OPEN, listed.get(0).state());
        assertEquals(503, get("/still-open").statusCode(), "the open breaker survived the reload");
    }

    @Test
    void aWholeResponseIsASuccessOnceItsBodyIsRelayed() throws Exception {
        start(UpstreamBehavior.ok("whole"), "consecutive-failures = 1, minimum-calls = 100", NO_RETRIES);

        HttpResponse<String> response = get("/whole");

        assertEquals(200, response.statusCode());
        assertEquals("whole", response.body());
        proxy.observer.awaitExchange(1);
        assertEquals(java.util.List.of("success"), proxy.observer.attempts);
        assertEquals(null, proxy.observer.exchanges.get(0).reason());
    }

    @Test
    void aHalfOpenProbeSlowerThanTheMaxOpenDurationButWithinTheRouteTimeoutIsTheOnlyProbe() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        start((req, reply) -> {
            if (calls.incrementAndGet() == 1) {
                reply.send(500, "text/plain", "down");
            } else {
                reply.after(2_500, () -> reply.send(200, "text/plain", "slow but well"));
            }
        }, "consecutive-failures = 1, minimum-calls = 100, window = 1s, open-duration = 1s, max-open-duration = 1s,"
                + " half-open-probes = 1", "timeout = 8s\n" + NO_RETRIES);
        assertEquals(500, get("/fail").statusCode());
        Thread.sleep(1_100); // the open period passes: the next call is the one probe

        var probe = proxy.client().sendAsync(HttpRequest.newBuilder(proxy.uri("/probe")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(1_500); // the probe is still out, past max(window, max-open-duration)
        HttpResponse<String> second = get("/while-probing");

        assertEquals(503, second.statusCode(), "half-open-probes = 1: no second probe while the first may answer");
        assertEquals("CIRCUIT_OPEN", Envelope.parse(second.body()).reason());
        assertEquals(200, probe.get().statusCode());
        assertEquals(2, calls.get(), "the failure and the one probe reached the upstream");
    }

    private int awaitNotCircuitOpen(long timeoutMillis) throws Exception {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get("/probe");
            if (response.statusCode() != 503) {
                return response.statusCode();
            }
            assertEquals("CIRCUIT_OPEN", Envelope.parse(response.body()).reason());
            Thread.sleep(100);
        }
        throw new AssertionError("the breaker did not let a probe through within " + timeoutMillis + " ms");
    }

}
