package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request in a later minor version of HTTP/1 is served as HTTP/1.1, the highest the proxy speaks (RFC 9110
 * §2.5; nginx does the same): forwarded as 1.1, answered as 1.1, and kept alive as 1.1 is. Malformed and
 * other versions stay a 400 (see {@link RequestSmugglingTest}). The same rule holds for an upstream's response:
 * relayed as 1.1 over a connection kept as 1.1 keeps it; other versions stay a 502 (see
 * {@link UpstreamResponseValidationTest}).
 */
class LaterHttpMinorVersionTest {

    @Test
    void anHttp12RequestIsForwardedAndAnsweredAsHttp11OnAConnectionKeptAlive() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             Socket client = new Socket()) {
            client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            for (int i = 1; i <= 2; i++) {
                client.getOutputStream().write("GET /a HTTP/1.2\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String head = RawHttp.readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), "request " + i + ": " + head);
                assertTrue(head.toLowerCase().contains("content-length: 4"), head);
                assertEquals("fine", new String(in.readNBytes(4), StandardCharsets.ISO_8859_1));
            }
            assertEquals(2, upstream.requests().size(), "both forwarded, the second on the client connection kept alive");
            assertEquals("1.1 rampart", upstream.requests().get(0).header("via"), "forwarded as HTTP/1.1");
        }
    }

    @Test
    void anHttp12ResponseIsRelayedAsHttp11AndItsUpstreamConnectionReused() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(
                     "HTTP/1.2 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nfine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            for (int i = 1; i <= 2; i++) {
                raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
                RawHttp.Response response = raw.read();
                assertEquals(200, response.status(), "response " + i + ": " + response.text());
                assertEquals("fine", response.text());
                assertEquals("1.1 rampart", response.header("via"), "received as HTTP/1.1");
            }
            assertEquals(2, upstream.requests().size());
            assertEquals(1, upstream.connectionsAccepted(), "kept alive as an HTTP/1.1 response is");
        }
    }
}
