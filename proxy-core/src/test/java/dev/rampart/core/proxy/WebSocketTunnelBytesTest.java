package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bytes of an upgrade, seen from raw sockets: how a 101 is checked and relayed, frames byte for byte, the
 * end of a tunnel, and an upgrade that failed once it was sent.
 */
class WebSocketTunnelBytesTest {

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxyTo(String authority, String serverExtras, String routeExtras) {
        String hocon = ProxyHarness.simple("\"" + authority + "\"", routeExtras);
        if (!serverExtras.isEmpty()) {
            hocon = hocon.replace("server { host = \"127.0.0.1\", port = 0 }",
                    "server { host = \"127.0.0.1\", port = 0, " + serverExtras + " }");
        }
        return closing.add(ProxyHarness.start(hocon));
    }

    @Test
    void a101WhoseUpgradeFieldTakesTwoLinesReachesTheClientWithBoth() throws Exception {
        FakeUpstream fake = closing.add(FakeUpstream.start((req, reply) -> reply.raw("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: h2c\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + WebSocketEchoUpstream.acceptFor(req.header("sec-websocket-key")) + "\r\n\r\n")));
        ProxyHarness proxy = proxyTo(fake.authority(), "", "");
        try (RawHttp raw = proxy.raw()) {
            raw.send(WebSocketEchoUpstream.upgradeRequest());
            String head = RawHttp.readHead(raw.socket().getInputStream()).toLowerCase(java.util.Locale.ROOT);

            assertTrue(head.startsWith("http/1.1 101"), head);
            // With "h2c" alone a client must fail the handshake (RFC 6455 4.1); nginx relays both lines.
            assertTrue(head.contains("upgrade: websocket") || head.contains("upgrade: h2c, websocket")
                    || head.contains("upgrade: h2c,websocket"), head);
        }
    }

    @ParameterizedTest(name = "heartbeat after {0} ms, lingering-timeout 400ms")
    @ValueSource(ints = {300, 1_200})
    void whatTheUpstreamSentBeforeEndingTheTunnelReachesAClientThatStillTalks(int heartbeatMillis) throws Exception {
        // Even when the client's next byte comes later than lingering-timeout: it was reading all along.
        int size = 2_000_000;
        FakeUpstream fake = closing.add(FakeUpstream.start((req, reply) -> reply.rawThenClose("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + WebSocketEchoUpstream.acceptFor(req.header("sec-websocket-key")) + "\r\n\r\n" + "x".repeat(size))));
        ProxyHarness proxy = proxyTo(fake.authority(), "lingering-timeout = 400ms", "");
        try (java.net.Socket client = new java.net.Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
            client.setSoTimeout(10_000);
            client.getOutputStream().write(WebSocketEchoUpstream.upgradeRequest().getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            assertTrue(RawHttp.readHead(in).startsWith("HTTP/1.1 101"));
            long received = 0;
            long heartbeatAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(heartbeatMillis);
            while (System.nanoTime() < heartbeatAt) { // ~600 KB/s: the upstream ended the tunnel long ago
                received += in.readNBytes(16 * 1024).length;
                Thread.sleep(25);
            }
            client.getOutputStream().write(new byte[] {(byte) 0x89, (byte) 0x80, 0, 0, 0, 0}); // a masked ping

            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) { // a reset would throw here and lose the rest
                received += n;
            }
            assertEquals(size, received, "everything the upstream sent, then the end");
        }
    }

    @Test
    void aClientThatHalfClosesItsTunnelIsNotLingeredOn() throws Exception {
        ProxyHarness proxy = proxyTo(closing.add(WebSocketEchoUpstream.start()).authority(), "lingering-timeout = 10s", "");
        try (RawHttp raw = proxy.raw()) {
            raw.send(WebSocketEchoUpstream.upgradeRequest());
            assertEquals(101, raw.read().status());

            raw.socket().shutdownOutput(); // it has sent all it will: nothing can be left unread

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (proxy.listener().openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, proxy.listener().openConnections(), "closed at once, not lingered on for 10 s");
        }
    }

    @Test
    void aRawFrameFromTheClientCrossesTheTunnelByteForByte() throws Exception {
        ProxyHarness proxy = proxyTo(closing.add(WebSocketEchoUpstream.start()).authority(), "", "");
        try (RawHttp raw = proxy.raw()) {
            raw.send(WebSocketEchoUpstream.upgradeRequest());
            assertEquals(101, raw.read().status());
            byte[] payload = "raw frame".getBytes(StandardCharsets.US_ASCII);
            raw.send(WebSocketEchoUpstream.maskedTextFrame("raw frame"));

            InputStream in = raw.socket().getInputStream();
            byte[] echoed = in.readNBytes(2 + payload.length);
            assertEquals((byte) 0x81, echoed[0]);
            assertEquals(payload.length, echoed[1]);
            assertEquals("raw frame", new String(Arrays.copyOfRange(echoed, 2, echoed.length), StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest(name = "after {0}")
    @ValueSource(strings = {"reset", "503"})
    void anUpgradeIsRetriedOnAnotherEndpointLikeAnyGetAndItsEarlyFrameStillCrossesFirst(String failure)
            throws Exception {
        FakeUpstream failing = closing.add(FakeUpstream.start(failure.equals("reset")
                ? UpstreamBehavior.resetBeforeHead()
                : (req, reply) -> reply.send(503, "text/plain", "down")));
        WebSocketEchoUpstream echo = closing.add(WebSocketEchoUpstream.start());
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + failing.authority() + "\", \"" + echo.authority() + "\"],"
                        + " circuit-breaker { enabled = false } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app,"
                        + " retry { attempts = 2, backoff { initial = 1ms, max = 1ms } } }")));
        for (int i = 0; i < 2; i++) { // round robin: one of the two handshakes meets the failing endpoint first
            try (RawHttp raw = proxy.raw()) {
                raw.send(WebSocketEchoUpstream.upgradeRequest());
                raw.send(WebSocketEchoUpstream.maskedTextFrame("early " + i)); // before the 101, as some clients do
                InputStream in = raw.socket().getInputStream();
                assertTrue(RawHttp.readHead(in).startsWith("HTTP/1.1 101"), "handshake " + i);
                byte[] echoed = in.readNBytes(2 + ("early " + i).length());
                assertEquals("early " + i, new String(Arrays.copyOfRange(echoed, 2, echoed.length),
                        StandardCharsets.US_ASCII), "the held frame crossed the tunnel of the retried handshake");
            }
        }
        int failed = failing.requests().size(); // the round-robin start differs between event loops
        assertTrue(failed >= 1 && failed <= 2, "each handshake that met the failing endpoint was retried once: " + failed);
    }

    @Test
    void aSwitchNobodyAskedForIsABadResponse() throws Exception {
        FakeUpstream fake = closing.add(FakeUpstream.start((req, reply) -> reply.raw(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")));
        ProxyHarness proxy = proxyTo(fake.authority(), "", "retry { attempts = 1 }");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(502, response.status());
            assertTrue(response.text().contains("UPSTREAM_BAD_RESPONSE"), response.text());
        }
    }
}
