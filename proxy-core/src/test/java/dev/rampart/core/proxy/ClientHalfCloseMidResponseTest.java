package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.SocketUpstream;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A client that shuts its sending side once its response has begun ({@code nc -N}, a health check, an
 * HTTP/1.0 client) still reads that response: it gets all of it, then the close, as from nginx and HAProxy.
 * Cut after its head, it read a head that promised a body and then a close; the access log said 200
 * CLIENT_CLOSED for it. The race that made this rare (an upstream that answers before the proxy noticed the
 * end of input) is made certain here: the client shuts its side only once it has the head.
 */
class ClientHalfCloseMidResponseTest {

    private static final String BODY = "x".repeat(3_000) + "END";
    private static final int ROUNDS = 4;

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aResponseUnderWayIsFinishedForAClientThatStopsSending(String transport) throws Exception {
        UpstreamBehavior headNowBodyLater = (req, reply) -> {
            reply.raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + BODY.length() + "\r\n\r\n");
            reply.after(150, () -> reply.raw(BODY)); // the client's end of input is seen meanwhile
        };
        try (FakeUpstream upstream = FakeUpstream.start(headNowBodyLater);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     Transports.named(transport))) {
            for (int i = 0; i < ROUNDS; i++) {
                try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(("GET /report HTTP/1.1\r\nHost: x\r\nX-Request-Id: hc-" + i
                            + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = socket.getInputStream();
                    String head = readHead(in);
                    socket.shutdownOutput();
                    // Read to the end: a connection left open after the response would time out here.
                    String body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);

                    assertEquals(BODY.length(), body.length(), "round " + i + ", the whole body after " + head);
                    ExchangeRecord logged = proxy.observer.awaitExchange(i + 1);
                    assertEquals("hc-" + i, logged.requestId());
                    assertEquals(200, logged.status());
                    assertNull(logged.reason(), "delivered whole: logged as served");
                }
            }
        }
    }

    /**
     * A request pipelined behind the one under way is not served (the client is taken as gone once that one is
     * done), and its end of input was read, so nothing it sent can be left in the socket for the close to reset:
     * the connection closes at once, not after {@code lingering-timeout}.
     */
    @Test
    void theConnectionClosesRightAfterTheResponseThoughARequestWasPipelinedBehindIt() throws Exception {
        UpstreamBehavior headNowBodyLater = (req, reply) -> {
            reply.raw("HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length() + "\r\n\r\n");
            reply.after(150, () -> reply.raw(BODY));
        };
        try (FakeUpstream upstream = FakeUpstream.start(headNowBodyLater);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                     .replace("port = 0 }\n  admin", "port = 0, lingering-timeout = 10s }\n  admin"));
             Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            readHead(socket.getInputStream());
            socket.shutdownOutput();

            assertEquals(BODY.length(), socket.getInputStream().readAllBytes().length);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (proxy.listener().openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, proxy.listener().openConnections(), "closed at once, not lingered on for 10 s");
            assertEquals(1, upstream.requests().size(), "the pipelined request is not served");
        }
    }

    /**
     * One that stops sending in the middle of its upload has cut its request short: however its upstream
     * answered early, the request is cancelled at once, its upstream connection closed, not left to wait out
     * {@code request-body-timeout} (30 s) for body that cannot come.
     */
    @Test
    void anUploadCutShortByTheClientIsCancelledThoughItsResponseBegan() throws Exception {
        try (SocketUpstream upstream = SocketUpstream.start("early-head", (socket, number) -> {
                 InputStream in = socket.getInputStream();
                 for (String line = SocketUpstream.readLine(in); line != null && !line.isEmpty();
                      line = SocketUpstream.readLine(in)) {
                     // the request head
                 }
                 socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
                         .getBytes(StandardCharsets.ISO_8859_1));
                 socket.getOutputStream().flush();
                 in.transferTo(OutputStream.nullOutputStream()); // the body, answered once it is whole: never
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", ""));
             Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5_000);
            // Over 64 KiB, so streamed to the upstream as it comes rather than read whole first.
            socket.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: x\r\nX-Request-Id: cut\r\n"
                    + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(new byte[1_000]);
            readHead(socket.getInputStream());
            socket.shutdownOutput();

            byte[] rest = socket.getInputStream().readAllBytes(); // closed now, not after request-body-timeout

            assertEquals(0, rest.length);
            ExchangeRecord logged = proxy.observer.awaitExchange(1);
            assertEquals("cut", logged.requestId());
            assertEquals(200, logged.status());
            assertEquals("CLIENT_CLOSED", logged.reason());
        }
    }

    /** The response head, up to its blank line, read byte by byte so that nothing of the body is taken. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed within the head: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
