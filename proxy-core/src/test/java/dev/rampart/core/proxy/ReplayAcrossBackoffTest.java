package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A streamed request body that grows past {@code replay-buffer} while a retry waits (its backoff, or its
 * connect): the retry must still send the whole body, byte for byte, never the body without its start.
 */
class ReplayAcrossBackoffTest {

    private static final int BODY = 160_000;
    private static final int FIRST_PART = 63_000;

    private FailingThenRecordingUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void aBodyThatOutgrowsTheReplayBufferDuringTheBackoffIsRetriedWhole() throws Exception {
        upstream = closing.add(new FailingThenRecordingUpstream(50_000));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"127.0.0.1:" + upstream.port() + "\"] }",
                "{ name = default, upstream = app, retry { attempts = 2, replay-buffer = 64k,"
                        + " backoff { initial = 700ms, max = 700ms, jitter = none } } }")));
        byte[] body = new byte[BODY];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31 + (i >> 8));
        }

        try (RawHttp raw = proxy.raw()) {
            raw.send("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            raw.send(chunk(body, 0, FIRST_PART));
            // The upstream answers 503 after 50,000 bytes; the rest of the body arrives during the backoff.
            upstream.firstAnswered.await(10, java.util.concurrent.TimeUnit.SECONDS);
            Thread.sleep(100);
            for (int at = FIRST_PART; at < BODY; at += 8192) {
                raw.send(chunk(body, at, Math.min(8192, BODY - at)));
            }
            raw.send("0\r\n\r\n");
            RawHttp.Response response = raw.read();

            assertEquals(200, response.status(), response.text());
        }
        assertEquals(2, upstream.connections());
        assertEquals(1, upstream.bodies.size());
        assertArrayEquals(body, upstream.bodies.get(0), "the retry carried the whole body, byte for byte");
    }

    private static byte[] chunk(byte[] body, int from, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 16);
        out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, from, length);
        out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /**
     * The first connection reads {@code failAfter} bytes of the body, answers 503 and closes; every later
     * one reads a whole chunked body, records it, and answers 200.
     */
    private static final class FailingThenRecordingUpstream implements AutoCloseable {
        private final int failAfter;
        private final SocketUpstream sockets;
        final List<byte[]> bodies = new CopyOnWriteArrayList<>();
        final java.util.concurrent.CountDownLatch firstAnswered = new java.util.concurrent.CountDownLatch(1);

        FailingThenRecordingUpstream(int failAfter) throws IOException {
            this.failAfter = failAfter;
            this.sockets = SocketUpstream.start("failing-then-recording-upstream",
                    (socket, number) -> serve(socket, number == 1));
        }

        int port() {
            return sockets.port();
        }

        int connections() {
            return sockets.connections();
        }

        private void serve(Socket socket, boolean fail) throws IOException {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            RawHttp.readHead(in);
            if (fail) {
                in.readNBytes(failAfter);
                out.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                firstAnswered.countDown();
                return;
            }
            bodies.add(readChunked(in));
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            in.read(); // until the proxy closes or reuses the connection
        }

        private static byte[] readChunked(InputStream in) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers
                    }
                    return body.toByteArray();
                }
                body.write(in.readNBytes(size));
                line(in);
            }
        }

        private static String line(InputStream in) throws IOException {
            String line = SocketUpstream.readLine(in);
            if (line == null) {
                throw new IOException("closed mid-body");
            }
            return line;
        }

        @Override
        public void close() throws IOException {
            sockets.close();
        }
    }
}
