package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A WebSocket tunnel whose one side stops reading: what the other side sends must wait in that side and
 * the kernel, not in the proxy. 48 MiB of frames cross; every byte the tunnel read without a place to put
 * it would pile up in the proxy's pooled direct memory, which is what is measured.
 */
class WebSocketBackpressureTest {

    private static final long SIZE = 48L * 1024 * 1024;
    private static final int FRAME = 16 * 1024;
    /** Far below SIZE, far above what a bounded relay holds (a few socket buffers and pool chunks). */
    private static final long BOUND = 16L * 1024 * 1024;

    @Test
    void aClientThatStopsReadingKeepsTheProxysMemoryBoundedAndGetsEveryByteLater() throws Exception {
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + echo.authority() + "\"", ""));
             Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
            client.setSoTimeout(30_000);
            OutputStream out = client.getOutputStream();
            DataInputStream in = upgrade(client);
            long baseline = proxyDirectMemory();

            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> writeFrames(out, sent));
            long maxDirect = 0;
            while (!writer.isDone()) {
                maxDirect = Math.max(maxDirect, proxyDirectMemory());
                Thread.sleep(25);
            }
            writer.get(1, TimeUnit.SECONDS);
            // Everything is sent and echoed; the client still reads nothing for a moment.
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
            while (System.nanoTime() < end) {
                maxDirect = Math.max(maxDirect, proxyDirectMemory());
                Thread.sleep(25);
            }

            MessageDigest received = MessageDigest.getInstance("SHA-256");
            assertEquals(SIZE, readEchoes(in, received), "every byte comes back once the client reads");
            assertEquals(HexFormat.of().formatHex(sent.digest()), HexFormat.of().formatHex(received.digest()),
                    "in order and intact");
            assertTrue(maxDirect - baseline < BOUND,
                    "the proxy held what the client did not read: direct memory grew " + (maxDirect - baseline));
        }
    }

    @Test
    void anUpstreamThatStopsReadingStopsTheProxyReadingTheClient() throws Exception {
        try (StalledWebSocketUpstream upstream = new StalledWebSocketUpstream();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", ""));
             Socket client = new Socket()) {
            client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
            client.setSoTimeout(30_000);
            upgrade(client);
            long baseline = proxyDirectMemory();

            CompletableFuture<Void> writer = CompletableFuture.runAsync(
                    () -> writeFrames(outputOf(client), sha256()));
            long maxDirect = 0;
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
            while (System.nanoTime() < end) {
                maxDirect = Math.max(maxDirect, proxyDirectMemory());
                Thread.sleep(25);
            }

            assertTrue(!writer.isDone(), "the client's writes block: the stall reached it through the proxy");
            assertTrue(maxDirect - baseline < BOUND,
                    "the proxy held what the upstream did not read: direct memory grew " + (maxDirect - baseline));
            client.close(); // unblocks the writer
            writer.handle((ok, failed) -> null).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientThatReadsSlowlyButSteadilyKeepsItsTunnelPastTheIdleTimeout() throws Exception {
        // Bytes reach the client all along, yet the proxy reads nothing new while its write waits: the
        // tunnel is busy, not idle (nginx keeps such a tunnel too).
        try (FloodedTunnel tunnel = new FloodedTunnel()) {
            byte[] sip = new byte[1024];
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3_500); // past three idle timeouts
            while (System.nanoTime() < end) {
                tunnel.in.readFully(sip); // ~20 KB/s: the proxy's write to the client completes a little at a time
                Thread.sleep(50);
            }

            assertEquals(0, tunnel.echo.connectionsClosed(), "the tunnel was closed while bytes were still crossing it");
        }
    }

    @Test
    void aClientThatReadsNothingAtAllIsStillClosedAtTheIdleTimeout() throws Exception {
        try (FloodedTunnel tunnel = new FloodedTunnel()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (tunnel.echo.connectionsClosed() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertEquals(1, tunnel.echo.connectionsClosed(), "a tunnel whose client takes nothing is idle");
        }
    }

    /**
     * A tunnel through a proxy with a 1 s idle timeout to an echo upstream, whose client (a 4 KiB receive
     * buffer) writes frames without pause from another thread and reads only as the test does. The timeout
     * is long enough that a test thread kept off a busy machine's cores for a moment does not look like a
     * reader that stopped (400 ms did, under a load of 10 on two cores).
     */
    private static final class FloodedTunnel implements AutoCloseable {
        final WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
        final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + echo.authority() + "\"", "")
                .replace("host = \"127.0.0.1\", port = 0 }", "host = \"127.0.0.1\", port = 0, idle-timeout = 1s }"));
        final Socket client = new Socket();
        final DataInputStream in;
        final CompletableFuture<Void> writer;

        FloodedTunnel() throws IOException {
            client.setReceiveBufferSize(4 * 1024);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
            client.setSoTimeout(10_000);
            in = upgrade(client);
            writer = CompletableFuture.runAsync(() -> writeFrames(outputOf(client), sha256()));
        }

        @Override
        public void close() throws Exception {
            client.close(); // unblocks the writer
            writer.handle((ok, failed) -> null).get(10, TimeUnit.SECONDS);
            proxy.close();
            echo.close();
        }
    }

    /** Sends the upgrade request and reads the 101; returns the stream the frames arrive on. */
    private static DataInputStream upgrade(Socket client) throws IOException {
        client.getOutputStream().write(("GET " + WebSocketEchoUpstream.PATH + " HTTP/1.1\r\nHost: x\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        DataInputStream in = new DataInputStream(client.getInputStream());
        String head = RawHttp.readHead(in);
        assertTrue(head.startsWith("HTTP/1.1 101"), head);
        return in;
    }

    private static OutputStream outputOf(Socket socket) {
        try {
            return socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Accepts one upgrade with a correct 101, then never reads again: a stalled WebSocket server. */
    private static final class StalledWebSocketUpstream implements AutoCloseable {
        private final java.net.ServerSocket server;
        private final java.util.List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

        StalledWebSocketUpstream() throws IOException {
            server = new java.net.ServerSocket();
            server.setReceiveBufferSize(64 * 1024);
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = new Thread(this::serve, "stalled-ws-upstream");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            try {
                Socket socket = server.accept();
                accepted.add(socket);
                String head = RawHttp.readHead(socket.getInputStream());
                String key = head.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
                String accept = WebSocketEchoUpstream.acceptFor(key);
                socket.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                // From here on nothing is read: the socket stays open until the test closes it.
            } catch (IOException e) {
                // the test ended first
            }
        }

        @Override
        public void close() throws IOException {
            for (Socket socket : accepted) {
                socket.close();
            }
            server.close();
        }
    }

    /** Binary frames of FRAME bytes, masked with a zero key (so the payload is sent as it is). */
    private static void writeFrames(OutputStream out, MessageDigest digest) {
        byte[] frame = new byte[2 + 2 + 4 + FRAME];
        frame[0] = (byte) 0x82; // FIN, binary
        frame[1] = (byte) (0x80 | 126); // masked, 16-bit length
        frame[2] = (byte) (FRAME >>> 8);
        frame[3] = (byte) FRAME;
        long written = 0;
        try {
            while (written < SIZE) {
                for (int i = 0; i < FRAME; i++) {
                    frame[8 + i] = (byte) ((written + i) * 31 + 7);
                }
                digest.update(frame, 8, FRAME);
                out.write(frame);
                written += FRAME;
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads unmasked server frames until SIZE payload bytes arrived; returns how many did. */
    private static long readEchoes(DataInputStream in, MessageDigest digest) throws IOException {
        byte[] buf = new byte[FRAME];
        long total = 0;
        while (total < SIZE) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long length = b1 & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            assertEquals(0x82, b0, "a final binary frame");
            assertEquals(0, b1 & 0x80, "server frames are not masked");
            while (length > 0) {
                int n = (int) Math.min(buf.length, length);
                in.readFully(buf, 0, n);
                digest.update(buf, 0, n);
                length -= n;
                total += n;
            }
        }
        return total;
    }

    private static long proxyDirectMemory() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }
}
