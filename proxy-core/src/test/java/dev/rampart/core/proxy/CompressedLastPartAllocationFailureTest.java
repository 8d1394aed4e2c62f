package dev.rampart.core.proxy;

import dev.rampart.core.bytes.RefusingDirectAllocator;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.LeakRecorder;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;
import io.netty.channel.Channel;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A compressed response whose last part (the end of a body of known length, bytes and all) cannot be compressed
 * for want of direct memory: the client's connection is cut, and the last part, handed to the proxy by the
 * upstream's decoder, is released. It was released only on the way that worked, so a compressor that failed on
 * the last bytes leaked the upstream's buffer.
 */
class CompressedLastPartAllocationFailureTest {

    private static final int FIRST_BYTES = 4096;
    private static final int LAST_BYTES = 4096;

    @Test
    void aLastPartTheCompressorCannotTakeIsReleased() throws Exception {
        CountDownLatch sendTheRest = new CountDownLatch(1);
        try (SocketUpstream upstream = SocketUpstream.start("gzip-last-part", (socket, n) -> {
            InputStream in = socket.getInputStream();
            while (!SocketUpstream.readLine(in).isEmpty()) {
                // the request head
            }
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + (FIRST_BYTES + LAST_BYTES)
                    + "\r\n\r\n" + "a".repeat(FIRST_BYTES)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                sendTheRest.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("b".repeat(LAST_BYTES).getBytes(StandardCharsets.US_ASCII)); // the decoder's last part
            out.flush();
            in.read(); // until the proxy closes
        });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"",
                     "compression {}"));
             RawHttp raw = proxy.raw()) {
            raw.socket().setSoTimeout(20_000);
            Await.until(() -> proxy.listener().connections().size() == 1, "the client's connection accepted");
            Channel client = proxy.listener().connections().iterator().next();
            RefusingDirectAllocator alloc = new RefusingDirectAllocator();
            client.eventLoop().submit(() -> client.config().setAllocator(alloc)).get(10, TimeUnit.SECONDS);

            raw.send("GET /text HTTP/1.1\r\nHost: app.example\r\nAccept-Encoding: gzip\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200") && head.toLowerCase().contains("content-encoding: gzip"), head);
            int firstChunk = Integer.parseInt(SocketUpstream.readLine(in).trim(), 16);
            assertTrue(firstChunk > 0 && in.readNBytes(firstChunk).length == firstChunk, "the first part, compressed");
            alloc.refuse(); // the first part was compressed; the last one's output cannot be had
            sendTheRest.countDown();

            assertTrue(closedWithoutALastChunk(in), "the client's connection is cut: its body cannot end");
            Await.until(() -> proxy.runtime().inFlight() == 0, "the exchange ended");
            assertTrue(alloc.refusals() > 0, "the compressor met the shortage");
            Await.until(() -> alloc.unreleased().isEmpty(), "the compressor's buffers released");
        }
        List<String> leaks = LeakRecorder.collect();
        assertEquals(List.of(), leaks, "the upstream's last part released");
    }

    /** Reads until the proxy closes (EOF or reset); false when a last chunk came first. */
    private static boolean closedWithoutALastChunk(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream rest = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                rest.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // a reset ends the stream as well as a FIN does
        }
        return !rest.toString(StandardCharsets.ISO_8859_1).contains("\r\n0\r\n");
    }
}
