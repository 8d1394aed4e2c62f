package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.TestCertificates;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpressure both ways: a 64 MB body between a fast side and a side that stops reading never piles up
 * in the proxy. The proxy allocates from {@link PooledByteBufAllocator#DEFAULT} (see ProxyListener and
 * OriginPools), so its direct memory is read from that allocator's metrics while the transfer is stalled.
 */
class SlowClientBackpressureTest {

    private static final long SIZE = 64L * 1024 * 1024;
    /** Far below the body: a proxy that buffered the body whole would blow through it. */
    private static final long BOUND = 24L * 1024 * 1024;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    @Test
    void aSlowClientDownloadingSixtyFourMegabytesKeepsTheProxysMemoryBounded() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.stream(SIZE));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             Socket client = new Socket()) {
            long heapBefore = heapAfterGc();
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
            client.setSoTimeout(30_000);
            client.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = client.getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(head.toLowerCase().contains("content-length: " + SIZE), head);

            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long read = readInto(in, digest, buf, 1024 * 1024);
            // The client stops reading: everything the upstream sends now would have to wait in the proxy.
            long maxDirect = sampleDirectMemoryFor(1_500);
            long heapGrowth = heapAfterGc() - heapBefore;
            while (read < SIZE) {
                read += readInto(in, digest, buf, Math.min(4L * 1024 * 1024, SIZE - read));
                maxDirect = Math.max(maxDirect, proxyDirectMemory());
                Thread.sleep(5); // a slow reader, still: short pauses between bursts
            }
            assertEquals(SIZE, read);
            assertEquals(expectedPatternSha256(SIZE), HexFormat.of().formatHex(digest.digest()),
                    "the whole body arrived intact");
            assertTrue(maxDirect < BOUND, "proxy direct memory stayed bounded: " + maxDirect);
            assertTrue(heapGrowth < BOUND, "heap stayed bounded while the client stalled: grew " + heapGrowth);
        }
    }

    @Test
    void aLargeUploadToAnUpstreamThatReadsSlowlyIsNotBufferedWhole() throws Exception {
        try (SlowReadingUpstream upstream = new SlowReadingUpstream(1024 * 1024);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", "")
                     + "rampart.server.max-request-body = 128m\n");
             Socket client = new Socket("127.0.0.1", proxy.port())) {
            long heapBefore = heapAfterGc();
            client.setSoTimeout(30_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> writePatternUpload(client));

            assertTrue(upstream.startedReading.await(20, TimeUnit.SECONDS), "the upload reached the upstream");
            // The upstream stops reading: the rest of the upload would have to wait in the proxy.
            long maxDirect = sampleDirectMemoryFor(1_500);
            long heapGrowth = heapAfterGc() - heapBefore;
            upstream.resume.countDown();

            writer.get(60, TimeUnit.SECONDS);
            String response = RawHttp.readHead(client.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertEquals(SIZE, upstream.received.get(30, TimeUnit.SECONDS), "the upstream got every byte");
            assertEquals(expectedPatternSha256(SIZE), upstream.sha256, "the upstream got the exact bytes");
            assertTrue(maxDirect < BOUND, "proxy direct memory stayed bounded: " + maxDirect);
            assertTrue(heapGrowth < BOUND, "heap stayed bounded while the upstream stalled: grew " + heapGrowth);
        }
    }

    /**
     * Over TLS the codec is fed one decrypted record per channelRead, so one socket read of small records
     * turns into many body chunks in a row. The one-message-per-read gating in front of the request
     * handler must still stop reading the client while the upstream stops reading, and start again when
     * the upstream drains, with nothing piling up in between. The route deadline is far away: a stall, not
     * a slow run on a busy machine, is what fails this test.
     */
    @Test
    void aTlsUploadInSmallRecordsPausesWithTheUpstreamAndResumesWhenItReadsAgain(@TempDir Path dir) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        try (SlowReadingUpstream upstream = new SlowReadingUpstream(1024 * 1024);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"",
                     "timeout = 60s")
                     + "rampart.server.max-request-body = 128m\n"
                     + "rampart.server.tls { cert-chain = \"" + cert.certChain() + "\", private-key = \""
                     + cert.privateKey() + "\" }\n");
             Socket client = cert.trustingClientContext().getSocketFactory().createSocket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(60_000);
            // Should the upload stall, closing must not wait behind the blocked writer to send close_notify.
            client.setSoLinger(true, 1);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> writePatternUpload(client, 4 * 1024));

            assertTrue(upstream.startedReading.await(20, TimeUnit.SECONDS), "the upload reached the upstream");
            long maxDirect = sampleDirectMemoryFor(1_500);
            upstream.resume.countDown();

            writer.get(60, TimeUnit.SECONDS);
            String response = RawHttp.readHead(client.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertEquals(SIZE, upstream.received.get(30, TimeUnit.SECONDS), "the upstream got every byte");
            assertEquals(expectedPatternSha256(SIZE), upstream.sha256, "the upstream got the exact bytes");
            assertTrue(maxDirect < BOUND, "proxy direct memory stayed bounded: " + maxDirect);
        }
    }

    private static void writePatternUpload(Socket client) {
        writePatternUpload(client, 64 * 1024);
    }

    /** Writes the upload in {@code writeSize} pieces: over TLS each write is one record. */
    private static void writePatternUpload(Socket client, int writeSize) {
        try {
            OutputStream out = client.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + SIZE + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[64 * 1024];
            for (long offset = 0; offset < SIZE; offset += chunk.length) {
                fillPattern(chunk, offset);
                for (int from = 0; from < chunk.length; from += writeSize) {
                    out.write(chunk, from, Math.min(writeSize, chunk.length - from));
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The byte at {@code offset} of FakeUpstream's streamed body, reused for uploads. */
    private static void fillPattern(byte[] chunk, long offset) {
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) ((SIZE - offset - i) & 0x7f);
        }
    }

    private static String expectedPatternSha256(long size) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[64 * 1024];
        for (long offset = 0; offset < size; offset += chunk.length) {
            fillPattern(chunk, offset);
            digest.update(chunk);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static long readInto(InputStream in, MessageDigest digest, byte[] buf, long count) throws IOException {
        long done = 0;
        while (done < count) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, count - done));
            if (n < 0) {
                throw new IOException("connection closed after " + done + " of " + count + " bytes");
            }
            digest.update(buf, 0, n);
            done += n;
        }
        return done;
    }

    private static long proxyDirectMemory() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }

    /** The highest direct memory seen while sampling for {@code millis}. */
    private static long sampleDirectMemoryFor(long millis) throws InterruptedException {
        long max = 0;
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            max = Math.max(max, proxyDirectMemory());
            Thread.sleep(25);
        }
        return max;
    }

    private static long heapAfterGc() {
        System.gc();
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    /**
     * A plain-socket HTTP/1.1 upstream that reads {@code firstBytes} of a request body, then stops reading
     * until {@link #resume} opens, then reads the rest, hashing it, and answers 200.
     */
    private static final class SlowReadingUpstream implements AutoCloseable {
        final CountDownLatch startedReading = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        final CompletableFuture<Long> received = new CompletableFuture<>();
        volatile String sha256;
        private final ServerSocket server;
        private final Thread thread;

        SlowReadingUpstream(long firstBytes) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> serve(firstBytes), "slow-reading-upstream");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(long firstBytes) {
            try (Socket s = server.accept()) {
                s.setReceiveBufferSize(64 * 1024);
                InputStream in = s.getInputStream();
                String head = RawHttp.readHead(in);
                long length = -1;
                for (String line : head.split("\r\n")) {
                    if (line.toLowerCase().startsWith("content-length:")) {
                        length = Long.parseLong(line.substring(15).trim());
                    }
                }
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[64 * 1024];
                long total = readInto(in, digest, buf, firstBytes);
                startedReading.countDown();
                resume.await();
                total += readInto(in, digest, buf, length - total);
                sha256 = HexFormat.of().formatHex(digest.digest());
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                received.complete(total);
                in.read(); // until the proxy closes or the test ends
            } catch (Exception e) {
                received.completeExceptionally(e);
            }
        }

        @Override
        public void close() throws IOException {
            resume.countDown();
            server.close();
        }
    }
}
