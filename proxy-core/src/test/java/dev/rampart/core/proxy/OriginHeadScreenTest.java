package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 101 Switching Protocols that parses but switches to nothing the request asked for: the upstream connection
 * speaks an unknown protocol from there, so the attempt fails as a bad response (502 UPSTREAM_BAD_RESPONSE,
 * never relayed, the connection not reused). The other heads {@link OriginHeadScreen} refuses, and the interim
 * ones it passes on, are pinned by {@link UpstreamResponseValidationTest} and {@link InterimResponsesTest}.
 */
class OriginHeadScreenTest {

    private static final String SWITCH_TO_WEBSOCKET = "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nX-Switched: yes\r\n\r\n";
    private static final String SWITCH_TO_H2C = "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: h2c\r\nConnection: Upgrade\r\nX-Switched: yes\r\n\r\n";

    @Test
    void aSwitchThatAPlainRequestDidNotAskForIsABadResponseAndItsConnectionIsNotReused() {
        assertBadResponse(SWITCH_TO_WEBSOCKET, "GET /bad HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    @Test
    void aSwitchToAnotherProtocolThanTheWebSocketAskedForIsABadResponse() {
        assertBadResponse(SWITCH_TO_H2C, "GET /bad HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    }

    private static void assertBadResponse(String upstreamHead, String request) {
        UpstreamBehavior byPath = (req, reply) -> {
            if (req.uri().equals("/bad")) {
                reply.raw(upstreamHead);
            } else {
                reply.send(200, "text/plain", "fine");
            }
        };
        try (FakeUpstream upstream = FakeUpstream.start(byPath);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send(request);
            RawHttp.Response first = raw.read();
            assertEquals(502, first.status(), first.text());
            assertTrue(first.text().contains("\"UPSTREAM_BAD_RESPONSE\""), first.text());
            assertNull(first.header("X-Switched"), "the upstream's head never reaches the client");

            raw.send("GET /good HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response second = raw.read();
            assertEquals(200, second.status(), "the client connection stays HTTP after the envelope");
            assertEquals("fine", second.text());

            List<RecordedRequest> seen = upstream.requests();
            assertEquals(List.of("/bad", "/good"), seen.stream().map(RecordedRequest::uri).toList(),
                    "a bad response is not retried");
            assertNotEquals(seen.get(0).connectionId(), seen.get(1).connectionId(),
                    "the connection that switched is not reused");
        }
    }
}
