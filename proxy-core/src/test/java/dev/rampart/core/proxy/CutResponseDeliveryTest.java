package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.SocketUpstream;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream that breaks off its response mid-body still has everything it sent delivered to a client that
 * reads slowly, and only then is the connection closed (which tells the client the response is unfinished:
 * its body is shorter than its Content-Length). Closing at once threw away what the client had not yet taken.
 */
class CutResponseDeliveryTest {

    private static final int SENT = 4 * 1024 * 1024;
    private static final int DECLARED = 2 * SENT;

    @Test
    void whatTheUpstreamSentBeforeBreakingOffReachesASlowClientWhole() throws Exception {
        byte[] received = fetchFromUpstreamThatBreaksOff("Content-Length: " + DECLARED, new byte[SENT]);

        assertEquals(SENT, received.length, "every byte the upstream sent, then the close (short of its Content-Length)");
    }

    @Test
    void aChunkedResponseBrokenOffReachesASlowClientWholeAndWithoutALastChunk() throws Exception {
        java.io.ByteArrayOutputStream chunks = new java.io.ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        for (int sent = 0; sent < SENT; sent += chunk.length) {
            chunks.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunks.write(chunk);
            chunks.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] received = fetchFromUpstreamThatBreaksOff("Transfer-Encoding: chunked", chunks.toByteArray());

        java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(received);
        long data = 0;
        String size;
        while ((size = SocketUpstream.readLine(in)) != null) {
            int n = Integer.parseInt(size.trim(), 16);
            assertTrue(n > 0, "no last chunk: the client must see the response unfinished");
            data += in.skip(n);
            SocketUpstream.readLine(in);
        }
        assertEquals(SENT, data, "every chunk the upstream sent");
    }

    /** The body bytes a slow client receives, as they came on the wire, until the proxy closes. */
    private static byte[] fetchFromUpstreamThatBreaksOff(String framing, byte[] sent) throws Exception {
        CountDownLatch upstreamDone = new CountDownLatch(1);
        try (SocketUpstream upstream = SocketUpstream.start("cut-upstream", (socket, n) -> {
            InputStream in = socket.getInputStream();
            while (!SocketUpstream.readLine(in).isEmpty()) {
                // the request head
            }
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\n" + framing + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(sent);
            out.flush();
            upstreamDone.countDown(); // then the socket closes: the response is broken off
        });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", ""));
             Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
            client.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(upstreamDone.await(10, TimeUnit.SECONDS), "the upstream sent its part");
            Thread.sleep(300); // the upstream's close reaches the proxy while most of the body waits for the client
            client.getOutputStream().write("POST /order HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx"
                    .getBytes(StandardCharsets.US_ASCII)); // sent while the cut response is still going out
            Thread.sleep(300);
            assertEquals(1, upstream.connections(), "a request behind a cut one is never served, nor sent upstream");

            InputStream in = client.getInputStream();
            String line = SocketUpstream.readLine(in);
            assertTrue(line.startsWith("HTTP/1.1 200"), line);
            while (!SocketUpstream.readLine(in).isEmpty()) {
                // the rest of the head
            }
            client.setSoTimeout(20_000);
            return in.readAllBytes();
        }
    }
}
