package dev.rampart.core.proxy;

import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Upstreams that break off inside the response head: whatever came back says the request arrived, so the
 * cut is an ordinary {@code UPSTREAM_RESET} under the route's retry rules (never a free stale-connection
 * retry), whether the upstream reset or closed; and when a later endpoint merely refuses, the client hears
 * of the reset, not that every endpoint refused.
 */
class BrokenResponseHeadTest {

    private static final String PARTIAL_HEAD = "HTTP/1.1 200 OK\r\nContent-Le";

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    private void start(UpstreamBehavior behavior, String endpoints, String retry) {
        upstream = closing.add(FakeUpstream.start(behavior));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [" + endpoints.replace("UP", upstream.authority()) + "],"
                        + " load-balancing = round-robin, circuit-breaker { enabled = false } }",
                "{ name = once, match { path-prefix = \"/once\" }, upstream = app, retry { attempts = 1 } },\n"
                        + "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 10s\n"
                        + "  retry { " + retry + ", backoff { initial = 1ms, max = 5ms } } }")));
    }

    /** Part of a head, then a reset or a close, once the proxy has surely read that part. */
    private static UpstreamBehavior partialHeadThen(boolean reset) {
        return (req, reply) -> {
            reply.raw(PARTIAL_HEAD);
            reply.after(50, reset ? reply::reset : reply::close);
        };
    }

    @Test
    void aResetAfterPartOfTheHeadOnAReusedConnectionIsNotRetriedAsAStaleConnection() {
        Set<Long> used = ConcurrentHashMap.newKeySet();
        start((req, reply) -> {
            if (used.add(req.connectionId())) {
                reply.send(200, "text/plain", "fresh");
            } else {
                partialHeadThen(true).respond(req, reply);
            }
        }, "\"UP\"", "attempts = 1");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fresh", raw.read().text());
            raw.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(502, response.status(), response.text());
            assertEquals("UPSTREAM_RESET", Envelope.parse(response.text()).reason());
        }
        List<RecordedRequest> again = upstream.requests().stream().filter(r -> r.uri().equals("/again")).toList();
        assertEquals(1, again.size(), "bytes of a response came back: the upstream had it, and attempts = 1");
    }

    @Test
    void aCloseAfterPartOfTheHeadIsAResetAndRetriedLikeOne() {
        start(partialHeadThen(false), "\"UP\"", "attempts = 3");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /cut HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(502, response.status(), response.text());
            Envelope envelope = Envelope.parse(response.text());
            assertEquals("UPSTREAM_RESET", envelope.reason(), "closed before a complete head: not malformed");
            assertEquals("3", envelope.metadata("attempts"));
            assertEquals("true", envelope.metadata("retryable"));
        }
        assertEquals(3, upstream.requests().size(), "retried on reset, as the route says");
    }

    @Test
    void aRefusalAfterAnEndpointResetReportsTheReset() {
        start(UpstreamBehavior.resetBeforeHead(), "\"UP\", \"127.0.0.1:" + FakeUpstream.refusingPort() + "\"",
                "attempts = 2");
        for (int i = 0; i < 4; i++) {
            try (RawHttp raw = proxy.raw()) {
                // One pick on a route without retries, so that round-robin starts each request with the other
                // endpoint: two of the four try the resetting endpoint first.
                raw.send("GET /once HTTP/1.1\r\nHost: x\r\n\r\n");
                raw.read();
            }
            try (RawHttp raw = proxy.raw()) {
                raw.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawHttp.Response response = raw.read();
                assertEquals(502, response.status(), response.text());
                assertEquals("UPSTREAM_RESET", Envelope.parse(response.text()).reason(),
                        "one endpoint had the request and reset it: not every endpoint refused (request " + i + ")");
            }
        }
        assertEquals(4, upstream.requests().stream().filter(r -> !r.uri().equals("/once")).count(),
                "each request reached the resetting endpoint once");
        proxy.observer.awaitExchange(8);
        proxy.observer.exchanges.stream().filter(r -> !"/once".equals(r.path())).forEach(record -> assertEquals(
                upstream.authority(), record.endpoint(), "the log names the endpoint that reset, not the one that refused"));
    }
}
