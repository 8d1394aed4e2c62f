package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end of a tunnel that the client brings about, seen from an upstream that is still busy sending: what the
 * client sent before it left must reach the upstream whole, its end included.
 */
class WebSocketClientEndTest {

    private static final int CLIENT_BYTES = 1_000_000;

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void whatTheClientSentBeforeHalfClosingReachesAnUpstreamStillSendingWhole() throws Exception {
        // The upstream streams to a client that reads nothing, so the proxy stops reading it and holds its bytes
        // unread; it takes the client's bytes slowly, so the kernel still holds some of them for it when the
        // proxy has handed over the last. A close then would be a reset, and the reset would discard those.
        try (ServerSocket upstreamListener = new ServerSocket()) {
            upstreamListener.setReceiveBufferSize(16 * 1024);
            upstreamListener.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<Long> upstreamReceived = CompletableFuture.supplyAsync(() -> streamAndReadSlowly(upstreamListener));
            ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.simple(
                    "\"127.0.0.1:" + upstreamListener.getLocalPort() + "\"", "retry { attempts = 1 }")));

            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(16 * 1024);
                client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
                client.setSoTimeout(10_000);
                OutputStream out = client.getOutputStream();
                out.write(WebSocketEchoUpstream.upgradeRequest().getBytes(StandardCharsets.US_ASCII));
                assertTrue(RawHttp.readHead(client.getInputStream()).startsWith("HTTP/1.1 101"));

                out.write(new byte[CLIENT_BYTES]); // a long message, its close frame last, say
                client.shutdownOutput();

                assertEquals(CLIENT_BYTES, upstreamReceived.get(20, TimeUnit.SECONDS),
                        "every byte the client sent before its end, then the end (not a reset)");
            }
        }
    }

    /** Answers the upgrade, streams until the proxy stops taking bytes, and reads 16 KiB every 10 ms until the end. */
    private static long streamAndReadSlowly(ServerSocket listener) {
        try (Socket upstream = listener.accept()) {
            upstream.setSoTimeout(15_000);
            InputStream in = upstream.getInputStream();
            String head = RawHttp.readHead(in);
            String key = head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:"))
                    .findFirst().orElseThrow().substring("sec-websocket-key:".length()).trim();
            OutputStream out = upstream.getOutputStream();
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + WebSocketEchoUpstream.acceptFor(key) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Thread streamer = new Thread(() -> {
                byte[] chunk = new byte[16 * 1024];
                try {
                    while (true) {
                        out.write(chunk); // blocks once the proxy stops reading: it then holds bytes unread
                    }
                } catch (IOException endOfTunnel) {
                    // the proxy closed, or the socket did: the stream is over
                }
            });
            streamer.setDaemon(true);
            streamer.start();
            long received = 0;
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) { // a reset throws here: the test fails on the exception
                received += n;
                Thread.sleep(10);
            }
            return received;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("the upstream's side of the tunnel failed: " + e, e);
        }
    }
}
