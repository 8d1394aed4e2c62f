package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code least-request} counts an open WebSocket tunnel as a request in flight on its endpoint for as long as
 * the tunnel is open (as Envoy counts an upgraded stream), not only until its 101: a WebSocket-heavy service
 * is balanced by its open tunnels. Once the tunnel closes, its endpoint is idle again.
 */
class LeastRequestTunnelLoadTest {

    @Test
    void anOpenTunnelLoadsItsEndpointUntilItCloses() throws Exception {
        try (WebSocketEchoUpstream first = WebSocketEchoUpstream.start();
             WebSocketEchoUpstream second = WebSocketEchoUpstream.start();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + first.authority() + "\", \"" + second.authority() + "\"],"
                             + " load-balancing = least-request, circuit-breaker { enabled = false } }",
                     "{ name = default, upstream = app, retry { attempts = 1 } }"))) {
            WebSocketEchoUpstream tunnelled;
            WebSocketEchoUpstream other;
            try (RawHttp tunnel = proxy.raw()) {
                tunnel.send(WebSocketEchoUpstream.upgradeRequest());
                assertEquals(101, tunnel.read().status());
                tunnelled = first.heads().size() > plainRequests(first) ? first : second;
                other = tunnelled == first ? second : first;

                for (int i = 0; i < 10; i++) {
                    assertEquals(200, get(proxy, "/while-open/" + i));
                }

                assertEquals(0, plainRequests(tunnelled), "the endpoint holding the open tunnel got none of them");
                assertEquals(10, plainRequests(other));
            }
            // Closed: the endpoint is idle again, and with both idle, ties are broken at random.
            long deadline = System.nanoTime() + 10_000_000_000L;
            int sent = 0;
            while (plainRequests(tunnelled) == 0 && System.nanoTime() < deadline) {
                assertEquals(200, get(proxy, "/after-close/" + sent++));
            }
            assertTrue(plainRequests(tunnelled) > 0, "the tunnel's endpoint is chosen again once the tunnel closed ("
                    + sent + " requests sent)");
        }
    }

    private static int get(ProxyHarness proxy, String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int plainRequests(WebSocketEchoUpstream upstream) {
        List<Map<String, String>> heads = upstream.heads();
        return (int) heads.stream().filter(h -> !String.valueOf(h.get(":path")).startsWith(WebSocketEchoUpstream.PATH))
                .count();
    }
}
