package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client's view of a response whose upstream stalls mid-body, for the tests of the limits that cut one
 * ({@code server.idle-timeout}, a route's {@code response-idle-timeout}): the head, what came before the stall, then a
 * close within the limit under test, and the exchange logged with the status sent and GATEWAY_TIMEOUT.
 */
final class StalledResponseRead {

    private StalledResponseRead() {
    }

    /**
     * Asks {@code proxy} for {@code GET /events}, whose upstream stalls; returns the body bytes the client got before
     * the close, which came no sooner than {@code notBeforeMillis} and sooner than {@code beforeMillis}.
     */
    static String bodyBeforeTheCut(ProxyHarness proxy, long notBeforeMillis, long beforeMillis) throws IOException {
        long start = System.nanoTime();
        String body;
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            assertTrue(RawHttp.readHead(in).startsWith("HTTP/1.1 200"));
            raw.socket().setSoTimeout(30_000);
            body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis >= notBeforeMillis, "not before the limit: " + tookMillis + " ms");
        assertTrue(tookMillis < beforeMillis, "cut by the limit under test, not a longer one: " + tookMillis + " ms");
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(200, record.status());
        assertEquals("GATEWAY_TIMEOUT", record.reason());
        return body;
    }
}
