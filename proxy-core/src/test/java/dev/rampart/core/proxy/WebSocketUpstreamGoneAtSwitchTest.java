package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An upstream that is gone by the time its tunnel opens: it reset its connection right behind its 101, while
 * the client's first frame, sent before the 101, still waited to cross. The tunnel must end, and its exchange
 * with it, like any tunnel whose upstream left.
 */
class WebSocketUpstreamGoneAtSwitchTest {

    private static final int HANDSHAKES = 10;

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"epoll", "nio", "io_uring"}) // where a write to a reset socket fails at once, and where not
    void aTunnelWhoseUpstreamResetRightAfterItsOneOhOneEndsAndFreesItsExchange(String transportName) throws Exception {
        Transport transport = switch (transportName) {
            case "epoll" -> {
                assumeTrue(Transport.epollAvailable(), "epoll unavailable here");
                yield Transport.epoll();
            }
            case "io_uring" -> {
                assumeTrue(Transport.ioUringAvailable(), "io_uring unavailable here");
                yield Transport.ioUring();
            }
            default -> Transport.nio();
        };
        try (ServerSocket upstreamListener = new ServerSocket()) {
            upstreamListener.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread upstream = new Thread(() -> switchThenReset(upstreamListener));
            upstream.setDaemon(true);
            upstream.start();
            ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.simple(
                    "\"127.0.0.1:" + upstreamListener.getLocalPort() + "\"", "retry { attempts = 1 }"), transport));

            for (int i = 0; i < HANDSHAKES; i++) { // the reset does not always beat the proxy's first write
                try (Socket client = new Socket("127.0.0.1", proxy.port())) {
                    client.setSoTimeout(5_000);
                    ByteArrayOutputStream upgradeAndFrame = new ByteArrayOutputStream();
                    upgradeAndFrame.writeBytes(WebSocketEchoUpstream.upgradeRequest().getBytes(StandardCharsets.US_ASCII));
                    upgradeAndFrame.writeBytes(WebSocketEchoUpstream.maskedTextFrame("sent before the 101"));
                    client.getOutputStream().write(upgradeAndFrame.toByteArray());
                    readToTheEnd(client.getInputStream(), i);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (proxy.runtime().inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, proxy.runtime().inFlight(), "every exchange ended, its bulkhead slot free again");
        }
    }

    /** The connection must end: closed or reset, not left open with its upstream long gone. */
    private static void readToTheEnd(InputStream in, int handshake) throws IOException {
        try {
            while (in.read() >= 0) {
                // the 101 (or a 502 when the reset came first), then the end
            }
        } catch (SocketTimeoutException stillOpen) {
            fail("handshake " + handshake + ": the client connection was still open 5 s after its upstream reset");
        } catch (SocketException reset) {
            // a reset is an end too
        }
    }

    /** Answers every upgrade with a 101 and resets the connection at once (SO_LINGER 0). */
    private static void switchThenReset(ServerSocket listener) {
        while (!listener.isClosed()) {
            try (Socket upstream = listener.accept()) {
                String head = RawHttp.readHead(upstream.getInputStream());
                String key = head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:"))
                        .findFirst().orElseThrow().substring("sec-websocket-key:".length()).trim();
                upstream.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + WebSocketEchoUpstream.acceptFor(key)
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                upstream.setSoLinger(true, 0);
            } catch (IOException e) {
                // the listener closed at the end of the test, or a connection the proxy gave up on
            }
        }
    }
}
