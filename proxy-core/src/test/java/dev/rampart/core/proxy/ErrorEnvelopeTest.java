package dev.rampart.core.proxy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.TestTokens;
import dev.rampart.core.testing.UnansweredListener;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every reason of the catalog, produced end to end by a real scenario, and the envelope's headers,
 * formats and redaction. A reason added to the catalog without a scenario here fails the build.
 */
class ErrorEnvelopeTest {

    @TempDir
    Path dir;

    /** RFC 9209: the proxy's sf-token, then parameters (sf-token, sf-integer or sf-string values). */
    private static final Pattern PROXY_STATUS = Pattern.compile(
            "rampart(;\\s*[a-z*][a-z0-9_.*-]*=([a-z][a-z0-9_]*|[0-9]+|\"([\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\"\\\\])*\"))*");

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static String conf(String server, String upstreams, String routes) {
        return "rampart {\n  server { host = \"127.0.0.1\", port = 0, " + server + " }\n"
                + "  admin { port = 0 }\n  access-log { enabled = false }\n"
                + "  upstreams {\n" + upstreams + "\n  }\n  routes = [\n" + routes + "\n  ]\n}\n";
    }

    private static String app(String endpoint, String extras) {
        return "app { endpoints = [\"" + endpoint + "\"], " + extras + " }";
    }

    private static String route(String extras) {
        return "{ name = default, match { path-prefix = \"/\" }, upstream = app, " + extras + " }";
    }

    private FakeUpstream fake(UpstreamBehavior behavior) {
        return closing.add(FakeUpstream.start(behavior));
    }

    private RawHttp.Response exchange(String request) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send(request).read(request.startsWith("HEAD "));
        }
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    // ---- every reason ------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Reason.class)
    void everyReasonIsProducedEndToEndWithItsEnvelope(Reason reason) throws Exception {
        RawHttp.Response response = produce(reason);

        int expectedStatus = reason == Reason.UPSTREAM_ERROR ? 503 : reason.status();
        assertEquals(expectedStatus, response.status(), response.text());
        assertTrue(response.header("content-type").startsWith("application/json"), response.header("content-type"));
        Envelope envelope = Envelope.parse(response.body());
        assertEquals(reason.name(), envelope.reason());
        assertEquals(expectedStatus, envelope.code());
        assertEquals(String.valueOf(reason.retryable(expectedStatus)), envelope.metadata("retryable"));
        assertEquals(response.header("x-request-id"), envelope.metadata("request_id"));
        assertEquals(reason.defaultMessage(), envelope.message());

        String proxyStatus = response.header("proxy-status");
        assertNotNull(proxyStatus, "every envelope has Proxy-Status");
        assertTrue(PROXY_STATUS.matcher(proxyStatus).matches(), "RFC 9209 syntax: " + proxyStatus);
        if (reason.proxyStatusError() != null) {
            assertTrue(proxyStatus.contains("error=" + reason.proxyStatusError()), proxyStatus);
        } else {
            assertTrue(proxyStatus.contains("received-status=" + expectedStatus), proxyStatus);
        }
        boolean saysWhen = reason == Reason.CIRCUIT_OPEN || reason == Reason.UPSTREAM_OVERLOADED
                || reason == Reason.RATE_LIMITED || reason == Reason.AUTH_UNAVAILABLE;
        if (saysWhen) {
            assertTrue(Long.parseLong(response.header("retry-after")) >= 1, "Retry-After for " + reason);
        } else {
            assertNull(response.header("retry-after"), "no Retry-After for " + reason);
        }
    }

    private RawHttp.Response produce(Reason reason) throws Exception {
        String hold = route("timeout = 5s, retry { attempts = 1, per-try-timeout = 5s }");
        switch (reason) {
            case ROUTE_NOT_FOUND -> {
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""),
                        "{ name = api, match { path-prefix = \"/api\" }, upstream = app }"));
                return exchange(get("/elsewhere"));
            }
            case BAD_REQUEST -> {
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""), route("")));
                return exchange("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
            }
            case REQUEST_HEADERS_TOO_LARGE -> {
                proxy = ProxyHarness.start(conf("max-header-size = 1k", app("127.0.0.1:9", ""), route("")));
                return exchange("GET / HTTP/1.1\r\nHost: test\r\nX-Big: " + "a".repeat(4096) + "\r\n\r\n");
            }
            case URI_TOO_LONG -> {
                proxy = ProxyHarness.start(conf("max-initial-line = 1k", app("127.0.0.1:9", ""), route("")));
                return exchange("GET /" + "a".repeat(2048) + " HTTP/1.1\r\nHost: test\r\n\r\n");
            }
            case REQUEST_BODY_TOO_LARGE -> {
                proxy = ProxyHarness.start(conf("max-request-body = 1k", app("127.0.0.1:9", ""), route("")));
                return exchange("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n");
            }
            case REQUEST_TIMEOUT -> {
                proxy = ProxyHarness.start(conf("request-header-timeout = 300ms", app("127.0.0.1:9", ""), route("")));
                return exchange("GET / HTTP/1.1\r\nHost: te"); // the head never completes
            }
            case METHOD_NOT_ALLOWED -> {
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""), route("")));
                return exchange("TRACE / HTTP/1.1\r\nHost: test\r\n\r\n"); // refused by default
            }
            case NOT_IMPLEMENTED -> {
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""), route("")));
                return exchange("POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
            }
            case HTTP_VERSION_NOT_SUPPORTED -> {
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""), route("")));
                return exchange("GET / HTTP/2.0\r\nHost: test\r\n\r\n");
            }
            case ACCESS_DENIED -> {
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""), route("allow-from = [\"10.0.0.0/8\"]")));
                return exchange(get("/"));
            }
            case UNAUTHORIZED -> {
                Path jwks = TestTokens.writePublicKeySet(dir);
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""),
                        route("jwt { jwks-file = \"" + jwks + "\" }")));
                return exchange(get("/"));
            }
            case INSUFFICIENT_SCOPE -> {
                Path jwks = TestTokens.writePublicKeySet(dir);
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""),
                        route("jwt { jwks-file = \"" + jwks + "\", required-claims { scope = \"orders:write\" } }")));
                return exchange("GET / HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + TestTokens.valid()
                        + "\r\n\r\n");
            }
            case AUTH_UNAVAILABLE -> {
                // The key server refuses connections: no key set was ever fetched to check the token with.
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""), route("jwt { jwks-uri = \"http://127.0.0.1:"
                        + FakeUpstream.refusingPort() + "/jwks.json\" }")));
                return exchange("GET / HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + TestTokens.valid()
                        + "\r\n\r\n");
            }
            case PATH_REGEX_GAVE_UP -> {
                // Backtracks for hours on this path without its budget.
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:9", ""),
                        "{ name = api, match { path-regex = \"^/(.*a){8}$\" }, upstream = app }"));
                return exchange(get("/" + "a".repeat(60) + "!"));
            }
            case RATE_LIMITED -> {
                FakeUpstream f = fake(UpstreamBehavior.ok("once"));
                proxy = ProxyHarness.start(conf("", app(f.authority(), ""),
                        route("rate-limit { requests-per-second = 0.001, burst = 1 }")));
                assertEquals(200, exchange(get("/first")).status());
                return exchange(get("/"));
            }
            case UPSTREAM_CONNECT_REFUSED -> {
                proxy = ProxyHarness.start(conf("", app("127.0.0.1:" + FakeUpstream.refusingPort(), ""),
                        route("retry { attempts = 1 }")));
                return exchange(get("/"));
            }
            case UPSTREAM_CONNECT_TIMEOUT -> {
                UnansweredListener silent = closing.add(UnansweredListener.start());
                proxy = ProxyHarness.start(conf("", app(silent.authority(), "connect-timeout = 300ms"),
                        route("retry { attempts = 1 }")));
                return exchange(get("/"));
            }
            case UPSTREAM_UNREACHABLE -> {
                // A TLS endpoint that speaks plain HTTP: the connection cannot be established as configured.
                FakeUpstream plain = fake(UpstreamBehavior.ok("not tls"));
                proxy = ProxyHarness.start(conf("", app("https://" + plain.authority(), ""),
                        route("retry { attempts = 1 }")));
                return exchange(get("/"));
            }
            case UPSTREAM_RESET -> {
                FakeUpstream f = fake(UpstreamBehavior.resetBeforeHead());
                proxy = ProxyHarness.start(conf("", app(f.authority(), ""), route("retry { attempts = 1 }")));
                return exchange(get("/"));
            }
            case UPSTREAM_TIMEOUT -> {
                FakeUpstream f = fake(UpstreamBehavior.hang());
                proxy = ProxyHarness.start(conf("", app(f.authority(), ""),
                        route("retry { attempts = 1, per-try-timeout = 200ms }")));
                return exchange(get("/"));
            }
            case UPSTREAM_BAD_RESPONSE -> {
                FakeUpstream f = fake((req, reply) -> reply.raw("HTTP/1.1 abc Broken\r\nnot a header\r\n\r\n"));
                proxy = ProxyHarness.start(conf("", app(f.authority(), ""), route("retry { attempts = 1 }")));
                return exchange(get("/"));
            }
            case UPSTREAM_ERROR -> {
                FakeUpstream f = fake((req, reply) -> reply.send(503, "text/plain", "db down"));
                proxy = ProxyHarness.start(conf("", app(f.authority(), ""), route("retry { attempts = 1 }")));
                return exchange(get("/"));
            }
            case CIRCUIT_OPEN -> {
                FakeUpstream f = fake((req, reply) -> reply.send(500, "text/plain", "boom"));
                proxy = ProxyHarness.start(conf("", app(f.authority(),
                        "circuit-breaker { consecutive-failures = 1, open-duration = 5s }"), route("retry { attempts = 1 }")));
                assertEquals(500, exchange(get("/trip")).status());
                return exchange(get("/"));
            }
            case UPSTREAM_OVERLOADED -> {
                ConcurrentLinkedQueue<UpstreamReply> held = new ConcurrentLinkedQueue<>();
                FakeUpstream f = fake((req, reply) -> held.add(reply));
                proxy = ProxyHarness.start(conf("", app(f.authority(), "max-concurrent-requests = 1"), hold));
                RawHttp first = proxy.raw();
                closing.add(first);
                first.send(get("/held"));
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (held.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                RawHttp.Response response = exchange(get("/"));
                held.forEach(r -> r.send(200, "text/plain", "late"));
                return response;
            }
            case GATEWAY_TIMEOUT -> {
                FakeUpstream f = fake(UpstreamBehavior.hang());
                proxy = ProxyHarness.start(conf("", app(f.authority(), ""),
                        route("timeout = 300ms, retry { per-try-timeout = 5s }")));
                return exchange(get("/"));
            }
            case SHUTTING_DOWN -> {
                FakeUpstream f = fake(UpstreamBehavior.ok("unused"));
                proxy = ProxyHarness.start(conf("", app(f.authority(), ""), route("")));
                proxy.runtime().refuseNewRequests();
                return exchange(get("/"));
            }
            case INTERNAL_ERROR -> {
                FakeUpstream f = fake(alwaysUnavailable());
                proxy = ProxyHarness.start(conf("", app(f.authority(), ""), route("")), throwingOnAttempt());
                return exchange(get("/"));
            }
            default -> throw new AssertionError("no end-to-end scenario produces " + reason + "; add one");
        }
    }

    /**
     * An upstream answering 503: its attempt is reported as soon as the head arrives, before anything is
     * sent to the client (a success is reported only once its body has been relayed).
     */
    private static UpstreamBehavior alwaysUnavailable() {
        return UpstreamBehavior.failTimes(Integer.MAX_VALUE, 503, UpstreamBehavior.ok("fine"));
    }

    private static ProxyObserver throwingOnAttempt() {
        return new ProxyObserver() {
            @Override
            public void onAttempt(String upstream, String endpoint, String outcome) {
                throw new IllegalStateException("observer bug");
            }
        };
    }

    // ---- internal errors ---------------------------------------------------------------------------

    @Test
    void anInternalErrorIsAnsweredWithTheEnvelopeAndLoggedOnceWithItsStackTrace() throws Exception {
        FakeUpstream f = fake(alwaysUnavailable());
        proxy = ProxyHarness.start(conf("", app(f.authority(), ""), route("")), throwingOnAttempt());
        try (LogCapture logs = LogCapture.start()) {
            RawHttp.Response response = exchange(get("/"));

            assertEquals(500, response.status());
            String requestId = response.header("x-request-id");
            proxy.observer.awaitExchange(1);
            List<ILoggingEvent> errors = logs.errors();
            assertEquals(1, errors.size(), logs.dump());
            assertTrue(errors.get(0).getFormattedMessage().contains(requestId), errors.get(0).getFormattedMessage());
            assertNotNull(errors.get(0).getThrowableProxy(), "the stack trace is logged");
            assertEquals("observer bug", errors.get(0).getThrowableProxy().getMessage());
        }
        assertEquals("INTERNAL_ERROR", proxy.observer.exchanges.get(0).reason());
    }

    // ---- formats -----------------------------------------------------------------------------------

    private void startWithRefusingUpstream() {
        proxy = ProxyHarness.start(conf("", app("127.0.0.1:" + FakeUpstream.refusingPort(), ""),
                route("retry { attempts = 1 }")));
    }

    @Test
    void problemJsonIsNegotiatedFromAccept() {
        startWithRefusingUpstream();
        RawHttp.Response response = exchange("GET /x HTTP/1.1\r\nHost: test\r\n"
                + "Accept: application/json;q=0.5, application/problem+json\r\n\r\n");

        assertEquals(502, response.status());
        assertTrue(response.header("content-type").startsWith("application/problem+json"), response.header("content-type"));
        Envelope problem = Envelope.parse(response.body());
        assertEquals(Reason.UPSTREAM_CONNECT_REFUSED.problemType(), problem.string("type"));
        assertEquals(502L, problem.get("status"));
        assertEquals("UPSTREAM_CONNECT_REFUSED", problem.string("reason"));
        assertEquals(response.header("x-request-id"), problem.string("request_id"));
        assertNotNull(problem.get("title"));
        assertNotNull(problem.get("detail"));
    }

    @Test
    void aLowerQValueForProblemJsonKeepsThePlainEnvelope() {
        startWithRefusingUpstream();
        RawHttp.Response response = exchange("GET /x HTTP/1.1\r\nHost: test\r\n"
                + "Accept: application/problem+json;q=0.1, application/json\r\n\r\n");

        assertTrue(response.header("content-type").startsWith("application/json"), response.header("content-type"));
        assertEquals("UPSTREAM_CONNECT_REFUSED", Envelope.parse(response.body()).reason());
    }

    @Test
    void headGetsTheHeadersOfTheEnvelopeWithItsLengthButNoBody() {
        startWithRefusingUpstream();
        RawHttp.Response get = exchange(get("/x"));
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response head = raw.send("HEAD /x HTTP/1.1\r\nHost: test\r\n\r\n").read(true);
            assertEquals(502, head.status());
            assertEquals(0, head.body().length);
            assertEquals(String.valueOf(get.body().length - get.header("x-request-id").length()
                            + head.header("x-request-id").length()),
                    head.header("content-length"), "the length the GET body would have");
            assertTrue(head.header("proxy-status").contains("error=connection_refused"));
            // Nothing stray follows the head: the next request on the connection is answered cleanly.
            RawHttp.Response next = raw.send(get("/y")).read();
            assertEquals(502, next.status());
            assertEquals("UPSTREAM_CONNECT_REFUSED", Envelope.parse(next.body()).reason());
        }
    }
}
