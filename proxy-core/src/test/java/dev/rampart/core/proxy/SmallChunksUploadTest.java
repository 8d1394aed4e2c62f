package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request-body chunks of one read from the client leave for the upstream in one flush and as one chunk,
 * once the read is handled (see {@link ClientReads}): an upload of many small chunks costs a write and a
 * chunk per read, not per chunk (a million one-byte chunks: 7.3 s flushed one by one, 1.5 to 2 s flushed
 * per read, most of it the upstream's own parsing of each chunk). Nothing waits past its read: a chunk that arrives alone reaches the upstream before the client
 * sends more. The upstream here is a plain socket that sees the body as it comes.
 */
class SmallChunksUploadTest {

    private static final String CHUNKED_POST =
            "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    @Test
    void manyOneByteChunksSentAtOnceReachTheUpstreamWholeAndInOrder() throws Exception {
        int chunks = 10_000;
        try (StreamSeeingUpstream upstream = new StreamSeeingUpstream(null);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", ""));
             Socket client = connect(proxy)) {
            send(client, CHUNKED_POST + OneByteChunks.wire(chunks) + "0\r\n\r\n");

            assertTrue(RawHttp.readHead(client.getInputStream()).startsWith("HTTP/1.1 200"));
            assertEquals(OneByteChunks.letters(chunks), upstream.body.get(30, TimeUnit.SECONDS));
            // Re-chunked: the chunks of one read from the client leave as one (a few dozen reads at most).
            assertTrue(upstream.chunksSeen < chunks / 10, upstream.chunksSeen + " chunks reached the upstream");
        }
    }

    @Test
    void aChunkThatArrivesAloneReachesTheUpstreamBeforeTheClientSendsMore() throws Exception {
        CountDownLatch firstSeen = new CountDownLatch(1);
        try (StreamSeeingUpstream upstream = new StreamSeeingUpstream(seen -> {
                 if (seen.contains("first")) {
                     firstSeen.countDown();
                 }
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", ""));
             Socket client = connect(proxy)) {
            send(client, CHUNKED_POST);
            assertTrue(upstream.headSeen.await(10, TimeUnit.SECONDS), "the request head reached the upstream");
            send(client, "5\r\nfirst\r\n"); // a read of its own, with the upstream connection in place

            assertTrue(firstSeen.await(5, TimeUnit.SECONDS), "the chunk reached the upstream without more behind it");
            send(client, "6\r\nsecond\r\n0\r\n\r\n");
            assertTrue(RawHttp.readHead(client.getInputStream()).startsWith("HTTP/1.1 200"));
            assertEquals("firstsecond", upstream.body.get(10, TimeUnit.SECONDS));
        }
    }

    private static Socket connect(ProxyHarness proxy) throws IOException {
        Socket client = new Socket();
        client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
        client.setSoTimeout(30_000);
        return client;
    }

    private static void send(Socket client, String text) throws IOException {
        OutputStream out = client.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /**
     * Serves one chunked request, decoding its body chunk by chunk as it arrives and telling {@code onData}
     * the body so far after each chunk (when it is given); answers 200 once the last chunk is in.
     */
    private static final class StreamSeeingUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final CountDownLatch headSeen = new CountDownLatch(1);
        final CompletableFuture<String> body = new CompletableFuture<>();
        /** How many chunks the body came in; read once {@link #body} is complete. */
        volatile int chunksSeen;
        private final java.util.function.Consumer<String> onData;
        private final Thread thread = new Thread(this::serve, "stream-seeing-upstream");

        StreamSeeingUpstream(java.util.function.Consumer<String> onData) throws IOException {
            this.onData = onData;
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            try (Socket socket = server.accept()) {
                InputStream in = new BufferedInputStream(socket.getInputStream());
                String head = RawHttp.readHead(in);
                assertTrue(head.toLowerCase().contains("transfer-encoding: chunked"), head);
                headSeen.countDown();
                ByteArrayOutputStream seen = new ByteArrayOutputStream();
                for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                    seen.write(in.readNBytes(size));
                    chunksSeen++; // only this thread writes it
                    OneByteChunks.readLine(in); // the CRLF after the chunk's data
                    if (onData != null) {
                        onData.accept(seen.toString(StandardCharsets.ISO_8859_1));
                    }
                }
                OneByteChunks.readLine(in); // the empty line that ends the (absent) trailers
                socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                body.complete(seen.toString(StandardCharsets.ISO_8859_1));
            } catch (IOException | RuntimeException | Error e) {
                body.completeExceptionally(e);
            }
        }

        private static int chunkSize(InputStream in) throws IOException {
            return Integer.parseInt(OneByteChunks.readLine(in), 16);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
