package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retries end to end: what is retried, what is not, how long the proxy waits, and what the client sees. */
class RetryTest {

    private final List<AutoCloseable> resources = new ArrayList<>();
    private ProxyHarness proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private FakeUpstream upstream(UpstreamBehavior behavior) {
        FakeUpstream fake = FakeUpstream.start(behavior);
        resources.add(fake);
        return fake;
    }

    /** Breakers off: these tests are about retries, and repeated failures must not trip one. */
    private void startProxy(String endpoints, String routeExtras) {
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [" + endpoints + "], circuit-breaker { enabled = false } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app\n" + routeExtras + "\n}"));
    }

    private static String quoted(FakeUpstream fake) {
        return "\"" + fake.authority() + "\"";
    }

    private HttpResponse<String> get(String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Short backoffs, so retries take no time; a per-try timeout long enough that a loaded machine's
     * pause (a collection, a class loaded on first use) cannot turn a refused or answered attempt into a
     * timeout. None of the tests that use it is about the per-try timeout.
     */
    private static final String FAST_RETRIES =
            "timeout = 10s, retry { attempts = 3, per-try-timeout = 2s, backoff { initial = 10ms, max = 20ms } }";

    @Test
    void aRefusingUpstreamIsRetriedThenAnsweredWithConnectRefused() throws Exception {
        startProxy("\"127.0.0.1:" + FakeUpstream.refusingPort() + "\"", FAST_RETRIES);

        HttpResponse<String> response = get("/refused");

        assertEquals(502, response.statusCode());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_CONNECT_REFUSED", envelope.reason());
        assertEquals("3", envelope.metadata("attempts"));
        assertEquals("true", envelope.metadata("retryable"));
        assertEquals(List.of("connect_refused", "connect_refused", "connect_refused"), proxy.observer.attempts);
        assertEquals(2, proxy.observer.retries.size());
    }

    @Test
    void aHangingUpstreamTimesOutPerTryAndIsRetried() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.hang());
        startProxy(quoted(fake), "timeout = 5s, retry { attempts = 2, per-try-timeout = 250ms,"
                + " backoff { initial = 10ms, max = 10ms } }");

        long start = System.nanoTime();
        HttpResponse<String> response = get("/hang");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(504, response.statusCode());
        assertEquals("UPSTREAM_TIMEOUT", Envelope.parse(response.body()).reason());
        assertEquals(2, fake.requests().size(), "one request per attempt");
        assertTrue(tookMillis >= 480, "two per-try timeouts of 250 ms each, took " + tookMillis);
        assertTrue(tookMillis < 3_000, "the per-try timeout, not the 5 s route deadline, ended it: " + tookMillis);
    }

    @Test
    void aResetBeforeTheHeadIsRetried() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        FakeUpstream fake = upstream((req, reply) -> {
            if (seen.incrementAndGet() == 1) {
                reply.reset();
            } else {
                reply.send(200, "text/plain", "second time lucky");
            }
        });
        startProxy(quoted(fake), FAST_RETRIES);

        HttpResponse<String> response = get("/reset");

        assertEquals(200, response.statusCode());
        assertEquals("second time lucky", response.body());
        assertEquals(List.of(1, 2), fake.requests().stream().map(RecordedRequest::attempt).toList());
        assertEquals("reset", proxy.observer.attempts.get(0));
    }

    @Test
    void aResetMidBodyIsNeverRetriedAndTheClientConnectionIsCut() throws Exception {
        FakeUpstream fake = upstream((req, reply) -> reply.resetMidBody(10_000, 1_000));
        startProxy(quoted(fake), FAST_RETRIES);

        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /cut HTTP/1.1\r\nHost: test\r\n\r\n").read();
            assertEquals(200, response.status(), "the head was already relayed");
            assertEquals("10000", response.header("content-length"));
            assertTrue(response.body().length < 10_000, "the body is cut short: " + response.body().length);
            assertTrue(raw.closedByPeer(), "the client connection is closed so the client sees a truncated body");
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(1, fake.requests().size(), "a response that started is never retried");
        assertEquals(1, record.attempts());
        assertTrue(proxy.observer.retries.isEmpty());

        fake.behave(UpstreamBehavior.ok("fine again"));
        assertEquals("fine again", get("/after").body(), "the next request uses a fresh upstream connection");
    }

    @Test
    void a503TwiceThen200SucceedsOnTheThirdAttempt() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.failTimes(2, 503, UpstreamBehavior.ok("third")));
        startProxy(quoted(fake), FAST_RETRIES);

        HttpResponse<String> response = get("/flaky");

        assertEquals(200, response.statusCode());
        assertEquals("third", response.body());
        assertEquals(List.of(1, 2, 3), fake.requests().stream().map(RecordedRequest::attempt).toList());
        assertEquals(3, proxy.observer.awaitExchange(1).attempts());
        assertEquals(List.of("gateway-error", "gateway-error"), proxy.observer.retries);
    }

    @Test
    void aPostWithoutIdempotencyKeyIsNotRetried() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.failTimes(1, 503, UpstreamBehavior.ok("never reached")));
        startProxy(quoted(fake), FAST_RETRIES);

        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/orders"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"item\":1}")).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(503, response.statusCode());
        assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
        assertEquals(1, fake.requests().size());
        assertEquals(List.of("method"), proxy.observer.skipped);
    }

    @Test
    void aPostWithIdempotencyKeyIsRetriedWithAByteIdenticalBody() throws Exception {
        byte[] body = new byte[300 * 1024];
        new Random(42).nextBytes(body);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        FakeUpstream fake = upstream(UpstreamBehavior.failTimes(2, 503, UpstreamBehavior.echo()));
        startProxy(quoted(fake), FAST_RETRIES);

        HttpResponse<byte[]> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/payments"))
                        .header("Idempotency-Key", "pay-7").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(200, response.statusCode());
        assertEquals(sha256, response.headers().firstValue("x-body-sha256").orElse(null));
        List<RecordedRequest> seen = fake.requests();
        assertEquals(3, seen.size());
        for (RecordedRequest r : seen) {
            assertEquals(body.length, r.bodyLength(), "attempt " + r.attempt());
            assertEquals(sha256, r.bodySha256(), "attempt " + r.attempt() + " carries the same bytes");
        }
    }

    @Test
    void a429WithRetryAfterIsRetriedNoSoonerThanAsked() throws Exception {
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        AtomicInteger seen = new AtomicInteger();
        FakeUpstream fake = upstream((req, reply) -> {
            arrivals.add(System.nanoTime());
            if (seen.incrementAndGet() == 1) {
                reply.send(429, "text/plain", "slow down", "Retry-After", "1");
            } else {
                reply.send(200, "text/plain", "ok");
            }
        });
        startProxy(quoted(fake), "timeout = 5s, retry { attempts = 2, status-codes = [429],"
                + " backoff { initial = 10ms, max = 10ms } }");

        HttpResponse<String> response = get("/limited");

        assertEquals(200, response.statusCode());
        assertEquals(2, fake.requests().size());
        long gapMillis = (arrivals.get(1) - arrivals.get(0)) / 1_000_000;
        assertTrue(gapMillis >= 950, "Retry-After: 1 is honoured, gap was " + gapMillis + " ms");
    }

    @Test
    void aBodyOverTheReplayBufferIsNotRetriedAndTheSkipIsCounted() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.failTimes(1, 503, UpstreamBehavior.echo()));
        startProxy(quoted(fake), "timeout = 5s, retry { attempts = 3, replay-buffer = 1k,"
                + " backoff { initial = 10ms, max = 10ms } }");

        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/upload"))
                        .header("Idempotency-Key", "up-1").PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[8 * 1024]))
                        .build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(503, response.statusCode());
        assertEquals(1, fake.requests().size(), "a body that was not kept cannot be sent again");
        assertEquals(List.of("body"), proxy.observer.skipped);
        assertEquals(1, proxy.observer.awaitExchange(1).attempts());
    }

    @Test
    void aRefusalAfterAnEndpointAnsweredGivesTheClientThatAnswerNotConnectRefused() throws Exception {
        // The endpoint answers 503 and then goes away: the retry finds nothing listening.
        java.util.concurrent.atomic.AtomicReference<FakeUpstream> self = new java.util.concurrent.atomic.AtomicReference<>();
        FakeUpstream goingAway = upstream((req, reply) -> {
            reply.send(503, "text/plain", "busy");
            new Thread(() -> self.get().close()).start();
        });
        self.set(goingAway);
        startProxy(quoted(goingAway), "timeout = 5s, retry { attempts = 2, backoff { initial = 300ms, max = 300ms,"
                + " jitter = none } }");

        HttpResponse<String> response = get("/mixed");

        assertEquals(503, response.statusCode(), response.body());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_ERROR", envelope.reason(), "the 503 the endpoint gave, not every-endpoint-refused");
        assertTrue(response.headers().firstValue("proxy-status").orElse("").contains("received-status=503"));
        assertEquals(List.of("status_5xx", "connect_refused"), proxy.observer.attempts);
    }

    @Test
    void aRetryIsCountedWhenItIsMadeNotWhenItIsDecided() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.failTimes(99, 503, UpstreamBehavior.ok("unused")));
        startProxy(quoted(fake), "timeout = 10s, retry { attempts = 3, backoff { initial = 5s, max = 5s, jitter = none } }");

        try (dev.rampart.core.testing.RawHttp raw = proxy.raw()) {
            raw.send("GET /gives-up HTTP/1.1\r\nHost: x\r\n\r\n");
            dev.rampart.core.testing.Await.until(() -> fake.requests().size() == 1, "the first attempt");
        } // the client leaves during the 5 s backoff
        proxy.observer.awaitExchange(1);

        assertEquals(1, fake.requests().size());
        assertEquals(List.of(), proxy.observer.retries, "the retry was never sent");
    }

    @Test
    void theRouteDeadlineEndsTheExchangeOnTimeWithGatewayTimeout() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.hang());
        startProxy(quoted(fake), "timeout = 600ms, retry { attempts = 3, per-try-timeout = 5s }");

        long start = System.nanoTime();
        HttpResponse<String> response = get("/slow");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(504, response.statusCode());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("GATEWAY_TIMEOUT", envelope.reason());
        assertEquals("true", envelope.metadata("retryable"));
        assertTrue(response.headers().firstValue("proxy-status").orElse("").contains("error=http_response_timeout"),
                response.headers().toString());
        assertTrue(tookMillis >= 550 && tookMillis < 2_500, "deadline 600 ms, took " + tookMillis);
        assertEquals(List.of("timeout"), proxy.observer.attempts, "the attempt the deadline cut is counted");
    }

    @Test
    void whenRetriesEndTheClientGetsTheLastUpstreamResponseUnrewritten() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.failTimes(99, 503, UpstreamBehavior.ok("unused")));
        startProxy(quoted(fake), FAST_RETRIES + ", errors { rewrite-upstream = [] }");

        HttpResponse<String> response = get("/down");

        assertEquals(503, response.statusCode());
        assertEquals("failure 3", response.body(), "the third and last attempt's own response");
        assertEquals(3, fake.requests().size());
    }

    @Test
    void whenRetriesEndTheClientGetsTheLastUpstreamResponseThroughTheRewrite() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.failTimes(99, 502, UpstreamBehavior.ok("unused")));
        startProxy(quoted(fake), FAST_RETRIES);

        HttpResponse<String> response = get("/down");

        assertEquals(502, response.statusCode());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_ERROR", envelope.reason());
        assertEquals("3", envelope.metadata("attempts"));
        assertFalse(response.body().contains("failure"), "the upstream's body is dropped");
        assertTrue(response.headers().firstValue("proxy-status").orElse("").contains("received-status=502"));
    }

    @Test
    void whenRetriesEndAfterFailuresTheClientGetsTheLastFailuresEnvelope() throws Exception {
        FakeUpstream fake = upstream(UpstreamBehavior.resetBeforeHead());
        startProxy(quoted(fake), FAST_RETRIES);

        HttpResponse<String> response = get("/broken");

        assertEquals(502, response.statusCode());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_RESET", envelope.reason());
        assertEquals("3", envelope.metadata("attempts"));
        assertEquals(3, fake.requests().size());
    }

    /** A Retry-After far beyond {@code retry-after.max} means "not soon": no retry, and no arithmetic overflow. */
    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999", "9223372036854775807", "9223372036854775"})
    void aHugeRetryAfterStopsRetryingInsteadOfOverflowing(String retryAfter) throws Exception {
        AtomicInteger seen = new AtomicInteger();
        FakeUpstream fake = upstream((req, reply) -> {
            if (seen.incrementAndGet() == 1) {
                reply.send(503, "text/plain", "come back much later", "Retry-After", retryAfter);
            } else {
                reply.send(200, "text/plain", "too soon");
            }
        });
        startProxy(quoted(fake), FAST_RETRIES);

        long start = System.nanoTime();
        HttpResponse<String> response = get("/later");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(503, response.statusCode(), response.body());
        assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
        assertEquals(1, fake.requests().size(), "the upstream asked for more than retry-after.max allows");
        assertTrue(tookMillis < 2_000, "answered at once, took " + tookMillis);
        String header = response.headers().firstValue("retry-after").orElse(null);
        assertNotNull(header, "the upstream's Retry-After is passed on");
        assertTrue(header.matches("[0-9]+"), "a non-negative number of seconds: " + header);
    }
}
