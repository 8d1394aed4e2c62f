package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An open WebSocket tunnel leaves its endpoint's connection pool: a tunnel may stay open for hours, and
 * requests must not wait behind it for a slot of {@code max-connections-per-endpoint} (tunnels are bounded
 * by {@code max-concurrent-requests}, like any request in flight).
 */
class WebSocketPoolSlotTest {

    private final WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
    /** One pooled connection per event loop (the harness runs two), and a route timeout a wait would hit. */
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + echo.authority() + "\"], max-connections-per-endpoint = 1 }",
            "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 2s }")
            + ProxyHarness.CONNECTIONS_IN_TURN);

    @AfterEach
    void stop() {
        proxy.close();
        echo.close();
    }

    @Test
    void requestsAreServedWhileTunnelsAreOpenOnEveryLoop() {
        List<RawHttp> tunnels = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) { // accepted connections alternate between the two loops
                RawHttp tunnel = proxy.raw();
                tunnels.add(tunnel);
                tunnel.send(WebSocketEchoUpstream.upgradeRequest());
                assertEquals(101, tunnel.read().status(), "tunnel " + i + " is open");
            }
            for (int i = 0; i < 4; i++) {
                try (RawHttp raw = proxy.raw()) {
                    raw.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawHttp.Response response = raw.read();
                    assertEquals(200, response.status(), "request " + i + " got a connection: " + response.text());
                }
            }
        } finally {
            tunnels.forEach(RawHttp::close);
        }
        assertTrue(echo.connectionsAccepted() >= 3, "requests had connections of their own beside the tunnels");
    }
}
