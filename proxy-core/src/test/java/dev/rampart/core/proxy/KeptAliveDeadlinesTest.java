package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The route deadline is kept per client connection and the per-try timeout per upstream connection, each
 * re-armed by every request: on a kept-alive connection a later request still gets its whole timeout,
 * counted from its own start, and never one left over from the request before it.
 */
class KeptAliveDeadlinesTest {

    private static final String REQUEST = "GET /%s HTTP/1.1\r\nHost: test\r\n\r\n";

    @Test
    void aLaterRequestOnAKeptAliveClientConnectionGetsItsWholeRouteTimeout() {
        AtomicInteger seen = new AtomicInteger();
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> {
                 if (seen.incrementAndGet() == 1) {
                     reply.after(400, () -> reply.send(200, "text/plain", "slow but in time"));
                 } // the second request is never answered
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                     "timeout = 700ms, retry { attempts = 1, per-try-timeout = 5s }"));
             RawHttp raw = proxy.raw()) {
            RawHttp.Response first = raw.send(REQUEST.formatted("first")).read();
            assertEquals(200, first.status(), "400 ms is within the 700 ms deadline");

            long start = System.nanoTime();
            RawHttp.Response second = raw.send(REQUEST.formatted("second")).read();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(504, second.status());
            assertEquals("GATEWAY_TIMEOUT", Envelope.parse(second.body()).reason());
            // The first request's deadline would have ended the second about 300 ms in.
            assertTrue(tookMillis >= 650 && tookMillis < 4_000, "deadline 700 ms, took " + tookMillis);
        }
    }

    @Test
    void aLaterAttemptOnAReusedUpstreamConnectionGetsItsWholePerTryTimeout() {
        AtomicInteger seen = new AtomicInteger();
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> {
                 if (seen.incrementAndGet() == 1) {
                     reply.after(300, () -> reply.send(200, "text/plain", "slow but in time"));
                 } // the second request is never answered
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                     "timeout = 10s, retry { attempts = 1, per-try-timeout = 500ms }"));
             RawHttp raw = proxy.raw()) {
            RawHttp.Response first = raw.send(REQUEST.formatted("first")).read();
            assertEquals(200, first.status(), "300 ms is within the 500 ms per-try timeout");

            long start = System.nanoTime();
            RawHttp.Response second = raw.send(REQUEST.formatted("second")).read();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(504, second.status());
            assertEquals("UPSTREAM_TIMEOUT", Envelope.parse(second.body()).reason());
            // The first attempt's timer would have ended the second about 200 ms in.
            assertTrue(tookMillis >= 450 && tookMillis < 4_000, "per-try timeout 500 ms, took " + tookMillis);
            assertEquals(1, upstream.connectionsAccepted(), "both attempts ran on one pooled upstream connection");
        }
    }
}
