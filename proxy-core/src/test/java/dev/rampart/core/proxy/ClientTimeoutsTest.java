package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client connection's idle and request-head timeouts on keep-alive connections, which are re-armed
 * lazily (one pending timer per connection, not one per request): an idle connection is still closed
 * after {@code idle-timeout}, a busy one never is, and a later request's head gets its full
 * {@code request-header-timeout} counted from its own first byte.
 */
class ClientTimeoutsTest {

    private static final long MS = 1_000_000L;

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    private void start(String serverSettings) {
        upstream = closing.add(FakeUpstream.start(UpstreamBehavior.ok("ok")));
        String hocon = ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                .replace("host = \"127.0.0.1\", port = 0 }", "host = \"127.0.0.1\", port = 0, " + serverSettings + " }");
        proxy = closing.add(ProxyHarness.start(hocon));
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    @Test
    void aKeepAliveConnectionLeftIdleIsClosedAfterTheIdleTimeout() {
        start("idle-timeout = 400ms");
        try (RawHttp raw = proxy.raw()) {
            // Timed from before the request, so a slow client can only make the figure larger.
            long idleFrom = System.nanoTime();
            assertEquals(200, raw.send(get("/first")).read().status());

            assertTrue(raw.closedByPeer(), "closed within the socket timeout");
            long idle = System.nanoTime() - idleFrom;
            assertTrue(idle >= 350 * MS, "closed after " + idle / MS + " ms, before the idle timeout");
        }
    }

    @Test
    void aNewConnectionThatSendsNothingIsClosedSilentlyAfterTheHeadTimeoutNotTheIdleOne() {
        start("request-header-timeout = 400ms, idle-timeout = 30s");
        try (RawHttp raw = proxy.raw()) {
            long from = System.nanoTime();
            assertTrue(raw.closedByPeer(), "closed without a byte, well before the 30 s idle timeout");
            long waited = System.nanoTime() - from;
            assertTrue(waited >= 350 * MS, "closed after " + waited / MS + " ms, before the head timeout");
        }
    }

    @Test
    void aNewConnectionsFirstRequestIsServedWithinTheHeadTimeout() throws InterruptedException {
        // The head timeout leaves the 200 ms pause room on a loaded machine (two test JVMs on two cores).
        start("request-header-timeout = 1s, idle-timeout = 30s");
        try (RawHttp raw = proxy.raw()) {
            Thread.sleep(200); // a client that connects ahead of its first request, as browsers do
            assertEquals(200, raw.send(get("/first")).read().status());
            Thread.sleep(1_500); // kept alive now: the idle timeout applies, not the head timeout
            assertEquals(200, raw.send(get("/second")).read().status());
        }
    }

    @Test
    void aConnectionWithRequestsMoreOftenThanTheIdleTimeoutStaysOpen() throws InterruptedException {
        // Gaps of 150 ms under a 1 s idle timeout: a loaded machine may stretch a gap, not to a second. The requests
        // go on three times as long, so a connection closed at the idle timeout whatever it does is caught.
        start("idle-timeout = 1s");
        try (RawHttp raw = proxy.raw()) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3_000);
            int served = 0;
            while (System.nanoTime() < end) {
                assertEquals(200, raw.send(get("/busy/" + served)).read().status(), "request " + served);
                served++;
                Thread.sleep(150); // the gap between requests, well under the idle timeout
            }
            assertTrue(served >= 5, "served " + served);
            assertEquals(served, upstream.requests().size());
        }
    }

    @Test
    void aLaterRequestsHeadTimeoutCountsFromItsOwnFirstByte() throws InterruptedException {
        start("request-header-timeout = 400ms, idle-timeout = 30s");
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send(get("/first")).read().status());
            Thread.sleep(600); // idle for longer than the head timeout: no head is being read, nothing fires

            long headFrom = System.nanoTime();
            RawHttp.Response timedOut = raw.send("GET /second HTTP/1.1\r\nHost: te").read(); // never completed
            long waited = System.nanoTime() - headFrom;

            assertEquals(408, timedOut.status());
            assertTrue(waited >= 350 * MS, "408 after " + waited / MS + " ms, before the head timeout");
        }
    }

    @Test
    void aHeadThatTimesOutOrIsCutShortIsLoggedWithTheTimeFromItsFirstByte() throws InterruptedException {
        start("request-header-timeout = 400ms, idle-timeout = 30s");
        try (RawHttp raw = proxy.raw()) {
            assertEquals(408, raw.send("GET /slow HTTP/1.1\r\nHost: te").read().status());
        }
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /cut HTTP/1.1\r\nHost: te");
            Thread.sleep(300); // then the client leaves, its head unfinished
        }
        // nginx logs such requests with the time they took (a slowloris shows as such); they were logged
        // with the instant of the 408 or the close as their start: about 0 ms.
        ExchangeRecord timedOut = proxy.observer.awaitExchange(1);
        assertEquals(408, timedOut.status());
        assertTrue(timedOut.durationNanos() >= 350 * MS, "the 400 ms the head took: " + timedOut.durationNanos() / MS);
        ExchangeRecord cut = proxy.observer.awaitExchange(2);
        assertEquals(499, cut.status());
        assertTrue(cut.durationNanos() >= 250 * MS, "the 300 ms the client stayed: " + cut.durationNanos() / MS);
    }

    @Test
    void anEmptyLineAfterARequestStartsNoHeadAndTheIdleConnectionIsClosedWithoutA408() {
        start("request-header-timeout = 300ms, idle-timeout = 1s");
        try (RawHttp raw = proxy.raw()) {
            raw.send(get("/first") + "\r\n"); // a stray CRLF behind the request (RFC 9112 §2.2: ignored)
            assertEquals(200, raw.read().status());
            raw.send("\r\n"); // and another one, on its own
            raw.send("\r\n".repeat(10_000)); // and more than max-initial-line of them: skipped too, not a 414

            assertClosedSilentlyByTheIdleTimeout(raw);
        }
    }

    @Test
    void anEmptyLineBehindAnUpgradeAnsweredWithoutA101StartsNoHeadEither() {
        start("request-header-timeout = 300ms, idle-timeout = 1s");
        try (RawHttp raw = proxy.raw()) {
            raw.send(WebSocketEchoUpstream.upgradeRequest() + "\r\n"); // held behind the upgrade, then released
            assertEquals(200, raw.read().status(), "the upstream answered the upgrade as a plain request");

            assertClosedSilentlyByTheIdleTimeout(raw);
        }
    }

    /** No 408 for a request nobody started: closed without a byte, by the 1 s idle timeout, not the 300 ms head one. */
    private static void assertClosedSilentlyByTheIdleTimeout(RawHttp raw) {
        long idleFrom = System.nanoTime();
        assertTrue(raw.closedByPeer(), "closed without a byte: no 408 for a request nobody started");
        long idle = System.nanoTime() - idleFrom;
        assertTrue(idle >= 800 * MS, "closed after " + idle / MS + " ms: by the idle timeout, not the head timeout");
    }

    @Test
    void aPartialHeadSentWithThePreviousRequestIsTimedFromTheEndOfThatRequest() {
        start("request-header-timeout = 400ms, idle-timeout = 30s");
        try (RawHttp raw = proxy.raw()) {
            long headFrom = System.nanoTime();
            raw.send(get("/first") + "GET /second HTTP/1.1\r\nHo"); // one write: the second head never ends
            assertEquals(200, raw.read().status());

            RawHttp.Response timedOut = raw.read();
            long waited = System.nanoTime() - headFrom;

            assertEquals(408, timedOut.status(), "the head timeout, not the 30 s idle timeout, ends it");
            assertTrue(waited >= 350 * MS, "408 after " + waited / MS + " ms, before the head timeout");
        }
    }

    @Test
    void aBodyThatStopsArrivingIsAnswered408AfterTheBodyTimeout() {
        start("request-body-timeout = 400ms");
        try (RawHttp raw = proxy.raw()) {
            long from = System.nanoTime();
            RawHttp.Response response = raw.send("POST /stalled HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n"
                    + "only ten b").read(); // 90 bytes never come
            long waited = System.nanoTime() - from;

            assertEquals(408, response.status());
            assertTrue(waited >= 350 * MS, "408 after " + waited / MS + " ms, before the body timeout");
        }
    }

    @Test
    void aBodyThatKeepsArrivingSlowerThanTheTimeoutAllowsInTotalIsNotTimedOut() throws InterruptedException {
        // A byte every 200 ms, under a 1 s body timeout with room for a loaded machine; the 15 of them take 3 s.
        start("request-body-timeout = 1s");
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /trickle HTTP/1.1\r\nHost: test\r\nContent-Length: 15\r\n\r\n");
            for (int i = 0; i < 15; i++) {
                Thread.sleep(200); // each byte well within the timeout, all of them together well beyond it
                raw.send("x");
            }
            assertEquals(200, raw.read().status());
            assertEquals(15, upstream.requests().get(0).bodyLength());
        }
    }
}
