package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client sends behind a WebSocket upgrade request before the answer came. RFC 6455 asks clients
 * to wait for the 101, but some send their first frames at once, and nginx forwards them: the proxy holds
 * them back (bounded) and gives them to the tunnel after a 101, or reads them as the next request after
 * any other answer. Handed to the HTTP decoder at once they would be taken for a request and eaten.
 */
class WebSocketEarlyBytesTest {

    private static ProxyHarness proxyFor(String authority) {
        return ProxyHarness.start(ProxyHarness.simple("\"" + authority + "\"", ""));
    }

    @Test
    void aFrameInTheSameWriteAsTheUpgradeRequestCrossesOnceTheTunnelOpens() throws IOException {
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = proxyFor(echo.authority());
             RawHttp raw = proxy.raw()) {
            raw.send(concat(WebSocketEchoUpstream.upgradeRequest().getBytes(StandardCharsets.ISO_8859_1),
                    WebSocketEchoUpstream.maskedTextFrame("early frame")));

            assertEquals(101, raw.read().status());
            assertEquals("early frame", readTextFrame(raw.socket().getInputStream()));
        }
    }

    @Test
    void aFrameBehindAnUpgradeBehindARequestWithABodyInOneWriteCrossesToo() throws IOException {
        for (String body : java.util.List.of("Content-Length: 3\r\n\r\nabc",
                "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")) {
            try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
                 ProxyHarness proxy = proxyFor(echo.authority());
                 RawHttp raw = proxy.raw()) {
                raw.send(concat(("POST /plain HTTP/1.1\r\nHost: x\r\n" + body + WebSocketEchoUpstream.upgradeRequest())
                        .getBytes(StandardCharsets.ISO_8859_1), WebSocketEchoUpstream.maskedTextFrame("early frame")));

                assertEquals(200, raw.read().status(), body);
                assertEquals(101, raw.read().status(), body);
                assertEquals("early frame", readTextFrame(raw.socket().getInputStream()), body);
            }
        }
    }

    @Test
    void aFrameBehindAnUpgradeBehindARequestTheProxyAnswersItselfInOneWriteCrossesToo() throws IOException {
        // The answer to the first request is done before the upgrade request is taken from the decoder's
        // queue: what is held belongs to that upgrade, not to the request just answered.
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + echo.authority() + "\"] }",
                     "{ name = direct, match { path-prefix = \"/direct\" }, respond { status = 200, body = direct } },\n"
                             + "{ name = default, upstream = app }"));
             RawHttp raw = proxy.raw()) {
            raw.send(concat(("GET /direct HTTP/1.1\r\nHost: x\r\n\r\n" + WebSocketEchoUpstream.upgradeRequest())
                    .getBytes(StandardCharsets.ISO_8859_1), WebSocketEchoUpstream.maskedTextFrame("early frame")));

            assertEquals(200, raw.read().status());
            assertEquals(101, raw.read().status());
            assertEquals("early frame", readTextFrame(raw.socket().getInputStream()));
        }
    }

    @Test
    void aFrameBehindAnUpgradeBehindTheEndOfAChunkedBodyFromAnEarlierReadCrossesToo() throws Exception {
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = proxyFor(echo.authority());
             RawHttp raw = proxy.raw()) {
            raw.send("POST /plain HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab");
            Thread.sleep(200); // the body's end, the upgrade request and the frame come in a later read
            raw.send(concat(("c\r\n0\r\n\r\n" + WebSocketEchoUpstream.upgradeRequest()).getBytes(StandardCharsets.ISO_8859_1),
                    WebSocketEchoUpstream.maskedTextFrame("early frame")));

            assertEquals(200, raw.read().status());
            assertEquals(101, raw.read().status());
            assertEquals("early frame", readTextFrame(raw.socket().getInputStream()));
        }
    }

    @Test
    void aFrameThatCameWithTheBlankLineEndingTheUpgradeRequestCrossesToo() throws Exception {
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = proxyFor(echo.authority());
             RawHttp raw = proxy.raw()) {
            String upgrade = WebSocketEchoUpstream.upgradeRequest();
            raw.send(upgrade.substring(0, upgrade.length() - 2)); // all but the blank line
            Thread.sleep(200);
            raw.send(concat("\r\n".getBytes(StandardCharsets.ISO_8859_1), WebSocketEchoUpstream.maskedTextFrame("early frame")));

            assertEquals(101, raw.read().status());
            assertEquals("early frame", readTextFrame(raw.socket().getInputStream()));
        }
    }

    @Test
    void framesWrittenWhileTheUpstreamTakesItsTimeCrossInOrder() throws Exception {
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = proxyFor(echo.authority());
             RawHttp raw = proxy.raw()) {
            echo.delayUpgradesBy(400);
            raw.send(WebSocketEchoUpstream.upgradeRequest());
            Thread.sleep(100); // each write a read of its own on the proxy, all before the 101
            raw.send(WebSocketEchoUpstream.maskedTextFrame("first"));
            Thread.sleep(100);
            raw.send(WebSocketEchoUpstream.maskedTextFrame("second"));

            assertEquals(101, raw.read().status());
            InputStream in = raw.socket().getInputStream();
            assertEquals("first", readTextFrame(in));
            assertEquals("second", readTextFrame(in));
        }
    }

    @Test
    void bytesBehindARefusedUpgradeAreReadAsTheNextRequest() {
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = proxyFor(echo.authority())) {
            echo.refuseUpgradesWith(403);
            try (RawHttp raw = proxy.raw()) {
                raw.send(WebSocketEchoUpstream.upgradeRequest() + "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");

                RawHttp.Response refused = raw.read();
                assertEquals(403, refused.status());
                assertEquals("upgrade refused", refused.text());
                RawHttp.Response next = raw.read();
                assertEquals(200, next.status());
                assertEquals("plain", next.text());
            }
            assertEquals(1, echo.connectionsAccepted(), "both requests went over one pooled upstream connection");
        }
    }

    @Test
    void aConnectionIdleAfterARefusedUpgradeWaitsForItsNextRequestWithoutA408() throws Exception {
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + echo.authority() + "\"", "")
                     + "rampart.server { request-header-timeout = 300ms, idle-timeout = 10s }\n")) {
            echo.refuseUpgradesWith(403);
            try (RawHttp raw = proxy.raw()) {
                raw.send(WebSocketEchoUpstream.upgradeRequest()); // nothing behind it
                assertEquals(403, raw.read().status());

                // Well past the head timeout: an idle connection is the idle timeout's, and nothing comes.
                raw.socket().setSoTimeout(1_500);
                assertThrows(java.net.SocketTimeoutException.class, () -> raw.socket().getInputStream().read(),
                        "no 408 for a request never begun");
                raw.socket().setSoTimeout(5_000);

                raw.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(200, raw.read().status(), "the connection is still open for the next request");
            }
        }
    }

    @Test
    void aClientSendingMoreThanTheLimitBeforeTheAnswerIsRefusedWith400AndClosed() throws Exception {
        CompletableFuture<UpstreamReply> unanswered = new CompletableFuture<>();
        try (FakeUpstream fake = FakeUpstream.start((request, reply) -> unanswered.complete(reply));
             ProxyHarness proxy = proxyFor(fake.authority());
             RawHttp raw = proxy.raw()) {
            raw.send(WebSocketEchoUpstream.upgradeRequest());
            unanswered.get(5, TimeUnit.SECONDS); // the upgrade is at the upstream, which never answers

            byte[] flood = new byte[HeldUpgradeBytes.MAX_BYTES + 16 * 1024];
            Arrays.fill(flood, (byte) 0x82);
            try {
                raw.send(flood);
            } catch (RuntimeException closedWhileWriting) {
                // the proxy may close before the last bytes are written
            }
            RawHttp.Response refused = raw.read();
            assertEquals(400, refused.status(), "answered, not buffered without end");
            assertTrue(refused.text().contains("BAD_REQUEST"), refused.text());
            assertEquals("close", refused.header("connection"), "the close that follows is announced");
            assertTrue(raw.closedByPeer(), "and closed");
            ExchangeRecord record = proxy.observer.awaitExchange(1);
            assertEquals(400, record.status(), "the proxy refused it: no 499, the client did not go away");
            assertEquals("BAD_REQUEST", record.reason());
        }
    }

    @Test
    void earlyBytesThatBeginWithLineEndsCrossTheTunnelWithThem() throws Exception {
        // Not empty lines before a next request: behind an upgrade, the tunnel's bytes. (No valid frame
        // begins with CR or LF, but the tunnel carries bytes, not frames.)
        byte[] early = "\r\n\r\nearly".getBytes(StandardCharsets.US_ASCII);
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (java.net.Socket upstream = listener.accept()) {
                    upstream.setSoTimeout(5_000);
                    String head = RawHttp.readHead(upstream.getInputStream());
                    String key = head.lines().filter(l -> l.regionMatches(true, 0, "sec-websocket-key:", 0, 18))
                            .findFirst().orElseThrow().substring(18).trim();
                    upstream.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + WebSocketEchoUpstream.acceptFor(key)
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    return upstream.getInputStream().readNBytes(early.length);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (ProxyHarness proxy = proxyFor("127.0.0.1:" + listener.getLocalPort());
                 RawHttp raw = proxy.raw()) {
                raw.send(concat(WebSocketEchoUpstream.upgradeRequest().getBytes(StandardCharsets.ISO_8859_1), early));

                assertEquals(101, raw.read().status());
                assertEquals("\r\n\r\nearly", new String(received.get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII),
                        "every byte sent behind the upgrade request, the leading line ends included");
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** Reads one unmasked text frame with a payload under 126 bytes, as the echo server sends it. */
    private static String readTextFrame(InputStream in) throws IOException {
        byte[] header = in.readNBytes(2);
        assertEquals((byte) 0x81, header[0], "a final text frame");
        byte[] payload = in.readNBytes(header[1]);
        return new String(payload, StandardCharsets.US_ASCII);
    }
}
