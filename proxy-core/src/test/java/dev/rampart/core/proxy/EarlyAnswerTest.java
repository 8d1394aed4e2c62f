package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream that answers as soon as it has a request head and reads the body afterwards (nginx's
 * {@code return}, and many servers' quick errors). A body of up to 64 KiB with a Content-Length is read
 * in full before it is forwarded, so such an answer cannot leave the request half sent: the client's
 * keep-alive connection and the pooled upstream connection both carry the next request.
 */
class EarlyAnswerTest {

    private EarlyAnsweringUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void postsOfUpTo64KiBKeepBothConnectionsWhenTheUpstreamAnswersBeforeReadingTheBody() throws IOException {
        upstream = closing.add(new EarlyAnsweringUpstream());
        proxy = closing.add(ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", "")));
        byte[] body = new byte[64 * 1024];
        java.util.Arrays.fill(body, (byte) 'r');

        try (RawHttp raw = proxy.raw()) {
            for (int i = 0; i < 3; i++) {
                raw.send(("POST /post/" + i + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                raw.send(body);
                RawHttp.Response response = raw.read();
                assertEquals(200, response.status(), "request " + i);
                assertEquals("ok", response.text());
                assertNull(response.header("connection"), "request " + i + ": the client connection stays open");
            }
        }

        // The upstream reads each body after it has answered, so the last one may still be on its way.
        Await.until(() -> upstream.bodyLengths.size() >= 3, "the upstream to read the third body");
        assertEquals(List.of(body.length, body.length, body.length), upstream.bodyLengths);
        assertEquals(1, upstream.connections(), "one pooled upstream connection carried every request");
    }

    @Test
    void anEarlyAnswerFollowedByAResetIsRelayedNotTakenForTheReset() throws IOException {
        // python's http.server answers a POST 501 at once and closes with the body unread: the kernel resets.
        upstream = closing.add(new EarlyAnsweringUpstream("HTTP/1.1 501 Not Implemented\r\nContent-Type: text/html\r\n"
                + "Content-Length: 11\r\nConnection: close\r\n\r\n<h1>no</h1>", true));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", "")));
        byte[] body = new byte[3 * 1024 * 1024];

        for (int i = 0; i < 8; i++) {
            try (RawHttp raw = proxy.raw()) {
                raw.send(("POST /upload/" + i + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                try {
                    raw.socket().getOutputStream().write(body);
                } catch (IOException cut) {
                    // the proxy may answer and close before the whole upload is sent
                }
                RawHttp.Response response = raw.read();
                assertEquals(501, response.status(), "upload " + i + ": the upstream's answer, not its reset: "
                        + response.text());
                assertTrue(response.text().contains("\"UPSTREAM_ERROR\""), response.text());
            }
        }
        proxy.observer.awaitExchange(8);
        assertFalse(proxy.observer.attempts.contains("reset"), "no attempt counted as a reset: " + proxy.observer.attempts);
    }

    /**
     * Answers every request head with {@code answer} at once, then either reads and discards the request's
     * Content-Length body or, with {@code closeUnread}, closes with the body unread (the kernel resets).
     */
    private static final class EarlyAnsweringUpstream implements AutoCloseable {
        private final String answer;
        private final boolean closeUnread;
        private final SocketUpstream sockets;
        final List<Integer> bodyLengths = new CopyOnWriteArrayList<>();

        EarlyAnsweringUpstream() throws IOException {
            this("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok", false);
        }

        EarlyAnsweringUpstream(String answer, boolean closeUnread) throws IOException {
            this.answer = answer;
            this.closeUnread = closeUnread;
            this.sockets = SocketUpstream.start("early-answering-upstream", (socket, number) -> serve(socket));
        }

        int port() {
            return sockets.port();
        }

        int connections() {
            return sockets.connections();
        }

        private void serve(Socket socket) throws IOException {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                long length = -1;
                String line = SocketUpstream.readLine(in);
                if (line == null) {
                    return;
                }
                while ((line = SocketUpstream.readLine(in)) != null && !line.isEmpty()) {
                    String lower = line.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        length = Long.parseLong(lower.substring("content-length:".length()).trim());
                    }
                }
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (closeUnread) {
                    return;
                }
                bodyLengths.add(in.readNBytes((int) Math.max(0, length)).length);
            }
        }

        @Override
        public void close() throws IOException {
            sockets.close();
        }
    }
}
