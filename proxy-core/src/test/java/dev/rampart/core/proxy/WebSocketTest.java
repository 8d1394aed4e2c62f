package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import dev.rampart.core.testing.WebSocketMessages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebSocket upgrades cross the proxy: a real WebSocket server (Netty's handshaker) behind it, a real
 * client ({@code java.net.http.WebSocket}) in front, raw sockets where the bytes themselves matter.
 */
class WebSocketTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private WebSocketEchoUpstream echo;
    private FakeUpstream fake;
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private void startEcho(String serverExtras) {
        echo = WebSocketEchoUpstream.start();
        String hocon = ProxyHarness.simple("\"" + echo.authority() + "\"", "");
        if (!serverExtras.isEmpty()) {
            hocon = hocon.replace("server { host = \"127.0.0.1\", port = 0 }",
                    "server { host = \"127.0.0.1\", port = 0, " + serverExtras + " }");
        }
        proxy = ProxyHarness.start(hocon);
    }

    private URI wsUri() {
        return URI.create("ws://127.0.0.1:" + proxy.port() + WebSocketEchoUpstream.PATH);
    }

    private WebSocketMessages connect() throws Exception {
        WebSocketMessages listener = new WebSocketMessages();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(wsUri(), listener).get(10, TimeUnit.SECONDS);
        listener.socket = ws;
        return listener;
    }

    @Test
    void textAndBinaryMessagesEchoThroughTheProxy() throws Exception {
        startEcho("");
        WebSocketMessages client = connect();

        client.socket.sendText("hello through rampart", true).get(5, TimeUnit.SECONDS);
        assertEquals("hello through rampart", client.nextText());

        byte[] bytes = {0, 1, 2, (byte) 0xff, 0x7f, '\r', '\n', 0};
        client.socket.sendBinary(ByteBuffer.wrap(bytes), true).get(5, TimeUnit.SECONDS);
        assertArrayEquals(bytes, client.nextBinary());

        client.socket.sendText("second", true).get(5, TimeUnit.SECONDS);
        assertEquals("second", client.nextText());
        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void aFiveMegabyteMessageCrossesIntact() throws Exception {
        startEcho("");
        WebSocketMessages client = connect();
        byte[] big = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(big);

        client.socket.sendBinary(ByteBuffer.wrap(big), true).get(20, TimeUnit.SECONDS);
        byte[] back = client.nextBinary();

        assertEquals(big.length, back.length);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(big),
                MessageDigest.getInstance("SHA-256").digest(back));
        ExchangeRecord record = closeAndAwaitRecord(client);
        assertTrue(record.bytesIn() > big.length, "client-to-upstream bytes are counted: " + record.bytesIn());
        assertTrue(record.bytesOut() > big.length, "upstream-to-client bytes are counted: " + record.bytesOut());
    }

    @Test
    void theUpstreamSeesTheUpgradeWithForwardingHeaders() throws Exception {
        startEcho("");
        WebSocketMessages client = connect();

        Map<String, String> head = echo.heads().get(0);
        assertEquals("GET", head.get(":method"));
        assertEquals("websocket", head.get("upgrade").toLowerCase());
        assertEquals("upgrade", head.get("connection").toLowerCase());
        assertEquals("127.0.0.1", head.get("x-forwarded-for"));
        assertEquals("http", head.get("x-forwarded-proto"));
        assertNotNull(head.get("sec-websocket-key"), "the handshake key crosses");
        assertEquals("13", head.get("sec-websocket-version"));
        assertTrue(head.get("via").contains("1.1 rampart"), head.get("via"));
        assertEquals("1", head.get("x-rampart-attempt"));
        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    @Test
    void theClientSeesThe101WithTheHandshakeHeaders() throws Exception {
        startEcho("");
        try (RawHttp raw = proxy.raw()) {
            raw.send(WebSocketEchoUpstream.upgradeRequest());
            RawHttp.Response response = raw.read();
            assertEquals(101, response.status());
            assertEquals("websocket", response.header("upgrade").toLowerCase());
            assertEquals("upgrade", response.header("connection").toLowerCase());
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response.header("sec-websocket-accept"));
            assertNotNull(response.header("x-request-id"));
            assertNull(response.header("content-length"));
            assertNull(response.header("transfer-encoding"));
        }
    }

    @Test
    void aCloseFromTheClientClosesTheUpstreamSide() throws Exception {
        startEcho("");
        WebSocketMessages client = connect();

        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);

        assertEquals(WebSocket.NORMAL_CLOSURE, client.closeCode.get(10, TimeUnit.SECONDS),
                "the upstream's close frame came back through the tunnel");
        await(() -> echo.connectionsClosed() == 1, "the upstream connection closed");
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(101, record.status());
        assertNull(record.reason());
    }

    @Test
    void aClientThatDropsTheConnectionClosesTheUpstreamSide() throws Exception {
        startEcho("");
        WebSocketMessages client = connect();
        client.socket.sendText("ping", true).get(5, TimeUnit.SECONDS);
        assertEquals("ping", client.nextText());

        client.socket.abort(); // a TCP close with no close frame

        await(() -> echo.connectionsClosed() == 1, "the upstream connection closed");
        assertEquals(101, proxy.observer.awaitExchange(1).status());
    }

    @Test
    void aCloseFromTheUpstreamReachesTheClient() throws Exception {
        startEcho("");
        WebSocketMessages client = connect();
        client.socket.sendText("before", true).get(5, TimeUnit.SECONDS);
        assertEquals("before", client.nextText());

        echo.closeAllWith(1001, "going away");

        assertEquals(1001, client.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals("going away", client.closeReason);
        assertEquals(101, proxy.observer.awaitExchange(1).status());
    }

    @Test
    void anUpgradeTheUpstreamRefusesReachesTheClientAsANormalResponse() throws Exception {
        startEcho("");
        echo.refuseUpgradesWith(403);

        CompletionException failed = assertThrows(CompletionException.class,
                () -> http.newWebSocketBuilder().buildAsync(wsUri(), new WebSocketMessages()).join());
        WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, failed.getCause());
        assertEquals(403, handshake.getResponse().statusCode());
        assertEquals("upgrade refused", String.valueOf(handshake.getResponse().body()));
    }

    @Test
    void aRefusedUpgradeLeavesBothConnectionsUsableForTheNextRequest() throws Exception {
        startEcho("");
        echo.refuseUpgradesWith(403);
        try (RawHttp raw = proxy.raw()) {
            raw.send(WebSocketEchoUpstream.upgradeRequest());
            RawHttp.Response refused = raw.read();
            assertEquals(403, refused.status());
            assertEquals("upgrade refused", refused.text());
            assertNull(refused.header("upgrade"));

            raw.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response next = raw.read();
            assertEquals(200, next.status());
            assertEquals("plain", next.text());
        }
        assertEquals(1, echo.connectionsAccepted(), "the upstream connection went back to the pool and was reused");
    }

    @Test
    void anUpgradeToAnotherProtocolIsDroppedAndTheRequestGoesOnAsPlainHttp() throws Exception {
        startEcho("");
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertEquals("plain", response.text());
        }
        Map<String, String> head = echo.heads().get(0);
        assertNull(head.get("upgrade"));
        assertNull(head.get("http2-settings"));
        assertFalse(String.valueOf(head.get("connection")).toLowerCase().contains("upgrade"), head.toString());
    }

    @Test
    void theExchangeIsLoggedWith101WhenTheTunnelCloses() throws Exception {
        startEcho("");
        WebSocketMessages client = connect();
        client.socket.sendText("hello", true).get(5, TimeUnit.SECONDS);
        assertEquals("hello", client.nextText());
        assertTrue(proxy.observer.exchanges.isEmpty(), "an open tunnel is still in flight");
        assertEquals(1, proxy.runtime().inFlight());

        ExchangeRecord record = closeAndAwaitRecord(client);
        assertEquals(101, record.status());
        assertEquals("GET", record.method());
        assertEquals(WebSocketEchoUpstream.PATH, record.path());
        assertEquals(1, record.attempts());
        assertTrue(record.bytesIn() > 0 && record.bytesOut() > 0, record.toString());
        await(() -> proxy.runtime().inFlight() == 0, "the tunnel is no longer in flight");
    }

    @Test
    void anIdleTunnelIsClosedOnBothSides() throws Exception {
        startEcho("idle-timeout = 2s"); // long enough for the first message on a loaded machine
        WebSocketMessages client = connect();
        client.socket.sendText("once", true).get(5, TimeUnit.SECONDS);
        assertEquals("once", client.nextText());

        await(() -> echo.connectionsClosed() == 1, "the upstream side of an idle tunnel closed");
        await(client.closedOrFailed::isDone, "the client side of an idle tunnel closed");
        assertEquals(101, proxy.observer.awaitExchange(1).status());
    }

    @Test
    void anOpenTunnelIsClosedAtTheEndOfADrain() throws Exception {
        startEcho("");
        WebSocketMessages client = connect();
        proxy.runtime().startDraining();

        assertFalse(proxy.runtime().awaitQuiescence(Duration.ofMillis(200)), "an open tunnel is in flight");
        io.netty.channel.group.ChannelGroupFuture closed = proxy.listener().connectionsClosed();
        proxy.listener().closeConnections();
        closed.awaitUninterruptibly(5, TimeUnit.SECONDS);

        assertTrue(proxy.runtime().awaitQuiescence(Duration.ofSeconds(5)), "closing the tunnel ends its exchange");
        await(() -> echo.connectionsClosed() == 1, "the upstream side closed with it");
        await(client.closedOrFailed::isDone, "the client saw the close");
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(101, record.status());
        assertEquals("SHUTTING_DOWN", record.reason(),
                "cut by the drain, as a streamed response would be, not a normal close");
    }

    @Test
    void bytesTheUpstreamSendsRightBehindThe101AreForwarded() throws Exception {
        fake = FakeUpstream.start((req, reply) -> reply.raw("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + WebSocketEchoUpstream.acceptFor(req.header("sec-websocket-key")) + "\r\n\r\n"
                + "\u0081\u0005early")); // an unmasked text frame in the same segment as the 101
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", ""));

        WebSocketMessages client = new WebSocketMessages();
        client.socket = http.newWebSocketBuilder().buildAsync(wsUri(), client).get(10, TimeUnit.SECONDS);

        assertEquals("early", client.nextText());
        client.socket.abort();
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private ExchangeRecord closeAndAwaitRecord(WebSocketMessages client) throws Exception {
        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        client.closedOrFailed.get(10, TimeUnit.SECONDS);
        return proxy.observer.awaitExchange(1);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }
}
