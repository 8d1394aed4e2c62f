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
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection the proxy closes after an answer, while the client is still sending what the proxy will not
 * read: the answer must arrive whole, and the connection end with the proxy's FIN rather than a reset (a
 * reset throws away whatever of the answer the kernel has not sent yet). Then the proxy stops reading
 * once the client goes quiet for {@code lingering-timeout}, or after {@code lingering-time} at the latest.
 */
class LingeringCloseTest {

    private static final int RESPONSE_BODY = 2 * 1024 * 1024;

    private SocketUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void aLargeAnswerToAnUploadStillGoingArrivesWholeWhenTheProxyCloses() throws Exception {
        // Answers a request head with 2 MiB at once, then reads the body as long as it comes.
        upstream = closing.add(SocketUpstream.start("early-large-answer", (socket, number) -> {
            InputStream in = socket.getInputStream();
            while (!SocketUpstream.readLine(in).isEmpty()) {
                // the head
            }
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + RESPONSE_BODY + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(new byte[RESPONSE_BODY]);
            out.flush();
            in.transferTo(OutputStream.nullOutputStream());
        }));
        proxy = closing.add(ProxyHarness.start(
                config("\"127.0.0.1:" + upstream.port() + "\"", "max-request-body = 1g")));

        try (Socket client = new Socket()) {
            // A small receive window: most of the answer waits in the proxy's socket, where a reset would drop it.
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1073741824\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            CompletableFuture<Long> uploaded = uploadUntilRefused(client, Long.MAX_VALUE);

            // The proxy has written the whole answer to its socket and ended the request: it closes now.
            assertEquals(200, proxy.observer.awaitExchange(1).status());
            InputStream in = client.getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), head);
            byte[] body = in.readNBytes(RESPONSE_BODY);
            assertEquals(RESPONSE_BODY, body.length, "the whole answer arrived");
            assertEquals(-1, in.read(), "then the proxy's FIN, not a reset");
            client.shutdownOutput();
            uploaded.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUploadOverTheLimitGetsIts413AndThenAnOrderlyClose() throws Exception {
        startBehindAnUnusedUpstream("max-request-body = 1k");

        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1048576\r\n\r\n");
            CompletableFuture<Long> uploaded = uploadUntilRefused(raw.socket(), 1024 * 1024);
            assertEquals(1024 * 1024L, uploaded.get(10, TimeUnit.SECONDS), "every byte was taken, and dropped");
            RawHttp.Response answer = raw.read();
            assertEquals(413, answer.status());
            assertTrue(answer.text().contains("\"REQUEST_BODY_TOO_LARGE\""), answer.text());
            assertEquals(-1, raw.socket().getInputStream().read(), "the proxy's FIN, not a reset");
        }
        assertEquals(0, upstream.connections(), "nothing of it went upstream");
    }

    @Test
    void aClientThatStopsSendingWithoutClosingIsClosedAfterTheLingeringTimeout() throws Exception {
        startBehindAnUnusedUpstream("max-request-body = 1k, lingering-timeout = 300ms");

        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n");
            raw.send(new byte[4096]);
            assertEquals(413, raw.read().status());
            long started = System.nanoTime();
            assertEquals(-1, raw.socket().getInputStream().read(), "the proxy's side is shut at once");
            Await.until(() -> proxy.listener().openConnections() == 0, "the proxy to close, though the client did not");
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(waited >= 200 && waited < 8_000, "closed about 300 ms after the answer: " + waited + " ms");
        }
    }

    @Test
    void aClientThatKeepsSendingIsCutAfterTheLingeringTime() throws Exception {
        startBehindAnUnusedUpstream("max-request-body = 1k, lingering-timeout = 5s, lingering-time = 500ms");

        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000000000\r\n\r\n");
            CompletableFuture<Long> uploaded = uploadUntilRefused(raw.socket(), Long.MAX_VALUE);
            assertEquals(413, raw.read().status());
            long started = System.nanoTime();
            long sent = uploaded.get(10, TimeUnit.SECONDS); // ends only when the proxy stops taking bytes
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(sent > 0, "the proxy read for a while");
            assertTrue(waited >= 300 && waited < 8_000, "cut about 500 ms after the answer: " + waited + " ms");
        }
    }

    @Test
    void aLingeringTimeoutOfZeroClosesAtOnce() throws Exception {
        startBehindAnUnusedUpstream("max-request-body = 1k, lingering-timeout = 0s");

        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n");
            assertEquals(413, raw.read().status());
            long started = System.nanoTime();
            Await.until(() -> proxy.listener().openConnections() == 0, "the proxy to close, though the client did not");
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(waited < 4_000, "closed at once, not after the default 5 s of lingering: " + waited + " ms");
        }
    }

    /** The proxy with these server settings, in front of an upstream the requests here never reach. */
    private void startBehindAnUnusedUpstream(String serverExtras) throws IOException {
        upstream = closing.add(SocketUpstream.start("unused", (socket, number) -> { }));
        proxy = closing.add(ProxyHarness.start(config("\"127.0.0.1:" + upstream.port() + "\"", serverExtras)));
    }

    /** Writes zeros until {@code limit} bytes or until the peer stops taking them; returns how many it wrote. */
    private static CompletableFuture<Long> uploadUntilRefused(Socket socket, long limit) {
        return CompletableFuture.supplyAsync(() -> {
            AtomicLong sent = new AtomicLong();
            byte[] chunk = new byte[16 * 1024];
            try {
                OutputStream out = socket.getOutputStream();
                while (sent.get() < limit) {
                    int n = (int) Math.min(chunk.length, limit - sent.get());
                    out.write(chunk, 0, n);
                    sent.addAndGet(n);
                }
            } catch (IOException refused) {
                // reset or closed: the proxy stopped reading
            }
            return sent.get();
        });
    }

    private static String config(String endpoints, String serverExtras) {
        return ProxyHarness.simple(endpoints, "").replace("host = \"127.0.0.1\", port = 0",
                "host = \"127.0.0.1\", port = 0, " + serverExtras);
    }

}
