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
                 if (req.uri().equals("/warm")) {
                     reply.send(200, "text/plain", "warm");
                 } else if (seen.incrementAndGet() == 1) {
                     reply.after(600, () -> reply.send(200, "text/plain", "slow but in time"));
                 } // the second request is never answered
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                     "timeout = 1500ms, retry { attempts = 1, per-try-timeout = 5s }"));
             RawHttp raw = proxy.raw()) {
            warmUp(raw);
            RawHttp.Response first = raw.send(REQUEST.formatted("first")).read();
            assertEquals(200, first.status(), "600 ms is within the 1.5 s deadline");

            long start = System.nanoTime();
            RawHttp.Response second = raw.send(REQUEST.formatted("second")).read();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(504, second.status());
            assertEquals("GATEWAY_TIMEOUT", Envelope.parse(second.body()).reason());
            // The first request's deadline would have ended the second about 900 ms in.
            assertTrue(tookMillis >= 1_400 && tookMillis < 5_000, "deadline 1.5 s, took " + tookMillis);
        }
    }

    @Test
    void aLaterAttemptOnAReusedUpstreamConnectionGetsItsWholePerTryTimeout() {
        AtomicInteger seen = new AtomicInteger();
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> {
                 if (req.uri().equals("/warm")) {
                     reply.send(200, "text/plain", "warm");
                 } else if (seen.incrementAndGet() == 1) {
                     reply.after(400, () -> reply.send(200, "text/plain", "slow but in time"));
                 } // the second request is never answered
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                     "timeout = 10s, retry { attempts = 1, per-try-timeout = 1s }"));
             RawHttp raw = proxy.raw()) {
            warmUp(raw);
            RawHttp.Response first = raw.send(REQUEST.formatted("first")).read();
            assertEquals(200, first.status(), "400 ms is within the 1 s per-try timeout");

            long start = System.nanoTime();
            RawHttp.Response second = raw.send(REQUEST.formatted("second")).read();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(504, second.status());
            assertEquals("UPSTREAM_TIMEOUT", Envelope.parse(second.body()).reason());
            // The first attempt's timer would have ended the second about 600 ms in.
            assertTrue(tookMillis >= 950 && tookMillis < 5_000, "per-try timeout 1 s, took " + tookMillis);
            assertEquals(1, upstream.connectionsAccepted(), "every attempt ran on one pooled upstream connection");
        }
    }

    /**
     * A quick request first, on the same connections: a cold JVM's first trip through the proxy, on a loaded
     * machine, can take most of the margin the slow first request leaves within its timeout.
     */
    private static void warmUp(RawHttp raw) {
        assertEquals(200, raw.send(REQUEST.formatted("warm")).read().status());
    }
}
