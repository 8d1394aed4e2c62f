package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
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

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

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

    private Received connect() throws Exception {
        Received listener = new Received();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(wsUri(), listener).get(10, TimeUnit.SECONDS);
        listener.socket = ws;
        return listener;
    }

    @Test
    void textAndBinaryMessagesEchoThroughTheProxy() throws Exception {
        startEcho("");
        Received client = connect();

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
        Received client = connect();
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
        Received client = connect();

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
        Received client = connect();

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
        Received client = connect();
        client.socket.sendText("ping", true).get(5, TimeUnit.SECONDS);
        assertEquals("ping", client.nextText());

        client.socket.abort(); // a TCP close with no close frame

        await(() -> echo.connectionsClosed() == 1, "the upstream connection closed");
        assertEquals(101, proxy.observer.awaitExchange(1).status());
    }

    @Test
    void aCloseFromTheUpstreamReachesTheClient() throws Exception {
        startEcho("");
        Received client = connect();
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
                () -> http.newWebSocketBuilder().buildAsync(wsUri(), new Received()).join());
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
        Received client = connect();
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
        startEcho("idle-timeout = 600ms");
        Received client = connect();
        client.socket.sendText("once", true).get(5, TimeUnit.SECONDS);
        assertEquals("once", client.nextText());

        await(() -> echo.connectionsClosed() == 1, "the upstream side of an idle tunnel closed");
        await(client.closedOrFailed::isDone, "the client side of an idle tunnel closed");
        assertEquals(101, proxy.observer.awaitExchange(1).status());
    }

    @Test
    void anOpenTunnelIsClosedAtTheEndOfADrain() throws Exception {
        startEcho("");
        Received client = connect();
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
                + accept(req.header("sec-websocket-key")) + "\r\n\r\n"
                + "\u0081\u0005early")); // an unmasked text frame in the same segment as the 101
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", ""));

        Received client = new Received();
        client.socket = http.newWebSocketBuilder().buildAsync(wsUri(), client).get(10, TimeUnit.SECONDS);

        assertEquals("early", client.nextText());
        client.socket.abort();
    }

    @Test
    void a101WhoseUpgradeFieldTakesTwoLinesReachesTheClientWithBoth() throws Exception {
        fake = FakeUpstream.start((req, reply) -> reply.raw("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: h2c\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + accept(req.header("sec-websocket-key")) + "\r\n\r\n"));
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", ""));
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
        fake = FakeUpstream.start((req, reply) -> reply.rawThenClose("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + accept(req.header("sec-websocket-key")) + "\r\n\r\n" + "x".repeat(size)));
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", "").replace(
                "server { host = \"127.0.0.1\", port = 0 }", "server { host = \"127.0.0.1\", port = 0, lingering-timeout = 400ms }"));
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
        startEcho("lingering-timeout = 10s");
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
        startEcho("");
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

    @Test
    void anUpgradeIsNotRetriedOnceItReachedTheUpstream() throws Exception {
        fake = FakeUpstream.start(UpstreamBehavior.resetBeforeHead());
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"",
                "retry { attempts = 3, on = [reset, connect-failure], backoff { initial = 1ms, max = 1ms } }"));
        try (RawHttp raw = proxy.raw()) {
            raw.send(WebSocketEchoUpstream.upgradeRequest());
            RawHttp.Response response = raw.read();
            assertEquals(502, response.status());
            assertTrue(response.text().contains("UPSTREAM_RESET"), response.text());
        }
        assertEquals(1, fake.requests().size(), "sent once, never again");
        assertEquals("body", proxy.observer.skipped.get(0), "an upgrade is replayable only when nothing was sent");
    }

    @Test
    void aSwitchNobodyAskedForIsABadResponse() throws Exception {
        fake = FakeUpstream.start((req, reply) -> reply.raw(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", "retry { attempts = 1 }"));
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(502, response.status());
            assertTrue(response.text().contains("UPSTREAM_BAD_RESPONSE"), response.text());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private ExchangeRecord closeAndAwaitRecord(Received client) throws Exception {
        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        client.closedOrFailed.get(10, TimeUnit.SECONDS);
        return proxy.observer.awaitExchange(1);
    }

    private static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    /** Collects whole messages as they arrive (a large one comes in parts). */
    /** What a {@code java.net.http.WebSocket} client received; shared with the other WebSocket tests. */
    static final class Received implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        final CompletableFuture<Void> closedOrFailed = new CompletableFuture<>();
        volatile String closeReason;
        volatile WebSocket socket;
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closeReason = reason;
            closeCode.complete(statusCode);
            closedOrFailed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closeCode.completeExceptionally(error);
            closedOrFailed.complete(null);
        }

        String nextText() throws InterruptedException {
            Object m = messages.poll(20, TimeUnit.SECONDS);
            assertInstanceOf(String.class, m, "a text message arrives");
            return (String) m;
        }

        byte[] nextBinary() throws InterruptedException {
            Object m = messages.poll(20, TimeUnit.SECONDS);
            assertInstanceOf(byte[].class, m, "a binary message arrives");
            return (byte[]) m;
        }
    }
}
