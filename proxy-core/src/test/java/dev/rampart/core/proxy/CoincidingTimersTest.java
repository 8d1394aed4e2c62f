package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two timers of one exchange that fall due in the same turn of the event loop, as they do after a pause of
 * the machine (a GC pause, a stolen CPU) or on a loaded loop: the one due first decides, and the route
 * deadline coming right behind an answer another timer has written must not take it for a response it cuts.
 */
class CoincidingTimersTest {

    private static final String REQUEST = "GET /%s HTTP/1.1\r\nHost: test\r\n\r\n";

    @Test
    void aPerTryTimeoutAnsweredInTheSameTurnAsTheDeadlineKeepsItsReasonAndTheConnection() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> {
                 if (req.uri().equals("/warm")) {
                     reply.send(200, "text/plain", "warm");
                 } // any other request is never answered
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                     "timeout = 1s, retry { attempts = 1, per-try-timeout = 500ms }"));
             RawHttp raw = proxy.raw()) {
            // A first request loads the classes of the path: a cold one can take longer from head to upstream
            // than the 500 ms between the two timers.
            assertEquals(200, raw.send(REQUEST.formatted("warm")).read().status());

            raw.send(REQUEST.formatted("first"));
            Await.until(() -> upstream.requests().size() == 2, "the upstream has the request");

            // Stalled from well before the per-try timeout (500 ms) until well after the deadline (1 s):
            // when the loops run again, both are due, the per-try timeout first.
            stallEveryLoop(proxy, 1_300);

            RawHttp.Response first = raw.read();
            assertEquals(504, first.status());
            assertEquals("UPSTREAM_TIMEOUT", Envelope.parse(first.body()).reason(), "the per-try timeout fell due first");
            ExchangeRecord record = proxy.observer.awaitExchange(r -> r.path().equals("/first"), "the first exchange");
            assertEquals("UPSTREAM_TIMEOUT", record.reason(), "logged as answered, not as cut by the deadline");

            // The answer went out whole: the kept-alive connection carries the next request.
            raw.socket().setSoTimeout(300);
            assertFalse(raw.closedByPeer(), "the connection was closed after a complete answer");
            raw.socket().setSoTimeout(10_000);
            RawHttp.Response second = raw.send(REQUEST.formatted("second")).read();
            assertTrue(second != null && second.status() == 504, "the second request is answered on the connection");
        }
    }

    /** Holds every event loop of the proxy for {@code millis}, as a pause of the whole process would. */
    private static void stallEveryLoop(ProxyHarness proxy, long millis) throws InterruptedException {
        int loops = 0;
        for (EventExecutor ignored : proxy.runtime().workers()) {
            loops++;
        }
        CountDownLatch stalled = new CountDownLatch(loops);
        for (EventExecutor loop : proxy.runtime().workers()) {
            loop.execute(() -> {
                stalled.countDown();
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue(stalled.await(5, TimeUnit.SECONDS), "every loop stalled");
    }
}
