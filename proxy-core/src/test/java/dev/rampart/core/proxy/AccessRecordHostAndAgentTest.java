package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The access record's {@code host} and {@code user_agent}: as the client sent them, over a real socket; none for a
 * request without them, or one whose head the decoder gave up on (its fields are not believed). A request the proxy
 * answers itself has no trace id (see {@code ForwardingTest} for those that reach an upstream).
 */
class AccessRecordHostAndAgentTest {

    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"127.0.0.1:9\"] }",
            "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = pong } }"));

    @AfterEach
    void stop() {
        proxy.close();
    }

    private ExchangeRecord recordOf(String request, int exchanges) {
        try (RawHttp raw = proxy.raw()) {
            raw.send(request).read();
        }
        return proxy.observer.awaitExchange(exchanges);
    }

    @Test
    void theHostAndUserAgentTheClientSentAreRecorded() {
        ExchangeRecord record = recordOf("GET /ping HTTP/1.1\r\nHost: Shop.Example.com:8080\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) \"quoted\"\r\n\r\n", 1);
        assertEquals("Shop.Example.com:8080", record.host());
        assertEquals("Mozilla/5.0 (X11; Linux x86_64) \"quoted\"", record.userAgent());
        assertNull(record.traceId(), "answered by the proxy itself: no trace went upstream");

        ExchangeRecord bare = recordOf("GET /ping HTTP/1.1\r\nHost: a\r\n\r\n", 2);
        assertNull(bare.userAgent());

        ExchangeRecord malformed = recordOf("GET /ping HTTP/1.1\r\nHost: a\r\nUser-Agent: x\r\nBad Header\r\n\r\n", 3);
        assertEquals(400, malformed.status());
        assertNull(malformed.host(), "a head the decoder gave up on: its fields are not believed");
        assertNull(malformed.userAgent());
    }
}
