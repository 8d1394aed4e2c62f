package dev.rampart.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An upstream that answers a large upload before reading it all, and goes on reading. The proxy answers the
 * client and gives up the upload (see the README); the upstream must then see its connection end. On io_uring a
 * close with a read still in flight left the socket open without a descriptor, the upstream waiting forever.
 */
class EarlyAnswerDuringUploadTest {

    private static final int DECLARED = 3_000_000;

    @Test
    void theUpstreamThatAnsweredEarlySeesItsConnectionEndWhenTheProxyGivesTheUploadUp() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> bodyBytesBeforeTheEnd = new CompletableFuture<>();
            Thread upstream = new Thread(() -> answerEarlyThenReadToTheEnd(server, bodyBytesBeforeTheEnd));
            upstream.setDaemon(true);
            upstream.start();
            try (ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"127.0.0.1:"
                    + server.getLocalPort() + "\"] }", "{ name = upload, upstream = app, retry { attempts = 1 } }"));
                 RawHttp raw = proxy.raw()) {
                raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + DECLARED + "\r\n\r\n");
                Thread writer = new Thread(() -> writeBody(raw.socket()));
                writer.setDaemon(true);
                writer.start();

                RawHttp.Response answer = raw.read();
                assertEquals(200, answer.status());
                assertEquals("early", answer.text());

                long read = bodyBytesBeforeTheEnd.get(10, TimeUnit.SECONDS);
                assertTrue(read < DECLARED, "the upload was given up (" + read + " bytes), and the upstream saw that");
            }
        }
    }

    private static void answerEarlyThenReadToTheEnd(ServerSocket server, CompletableFuture<Long> bodyBytes) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            String head = "";
            int n;
            while (!head.contains("\r\n\r\n") && (n = in.read(buf)) > 0) {
                head += new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            }
            long read = head.length() - head.indexOf("\r\n\r\n") - 4;
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while ((n = in.read(buf)) >= 0) { // the rest of the upload, until the proxy ends the connection
                read += n;
            }
            bodyBytes.complete(read);
        } catch (IOException e) {
            bodyBytes.complete(-1L); // a reset ends it as well
        }
    }

    private static void writeBody(Socket client) {
        byte[] chunk = new byte[65536];
        try {
            OutputStream out = client.getOutputStream();
            for (int sent = 0; sent < DECLARED; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, DECLARED - sent));
            }
        } catch (IOException e) {
            // the proxy closed the client connection after its answer: the upload ends here
        }
    }
}
