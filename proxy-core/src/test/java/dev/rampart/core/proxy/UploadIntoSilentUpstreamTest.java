package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream that takes the request head and then none of the body, and never closes: what a host cut off
 * by a network partition in the middle of an upload looks like to the proxy (its window stays shut; no FIN,
 * no RST). No per-try timer runs before the whole request is written, so without a limit of its own the
 * upload waited for the route's timeout, a minute here, where nginx's {@code proxy_send_timeout} ends it.
 * The attempt must time out after {@code server.idle-timeout} without progress instead.
 */
class UploadIntoSilentUpstreamTest {

    /** Far more than loopback's socket buffers on both sides of the proxy can hold, so the upload stalls. */
    private static final long BODY = 256L * 1024 * 1024;

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void anUploadTheUpstreamStopsTakingTimesOutAfterTheIdleTimeoutNotTheRouteTimeout() throws Exception {
        CountDownLatch testOver = new CountDownLatch(1);
        SocketUpstream upstream = closing.add(SocketUpstream.start("takes-no-body", (socket, number) -> {
            RawHttp.readHead(socket.getInputStream()); // then reads nothing more, and stays open
            try {
                testOver.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        closing.add(testOver::countDown);
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"127.0.0.1:" + upstream.port() + "\"] }",
                "{ name = upload, upstream = app, timeout = 60s, retry { attempts = 1 } }")
                + "rampart.server.idle-timeout = 2s\n"
                + "rampart.server.max-request-body = 512m\n"));
        RawHttp raw = closing.add(proxy.raw());
        raw.socket().setSoTimeout(40_000); // well below the route's 60 s: its 504 would come too late
        AtomicBoolean answered = new AtomicBoolean();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> upload(raw, answered));

        long start = System.nanoTime();
        RawHttp.Response response = raw.read();
        answered.set(true);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        assertTrue(response != null, "an answer came");
        assertEquals(504, response.status(), response.text());
        assertTrue(response.text().contains("\"UPSTREAM_TIMEOUT\""), response.text());
        assertTrue(seconds < 40, "answered after " + seconds + " s");
        raw.close(); // a writer blocked on a full socket fails now
        writer.get(30, TimeUnit.SECONDS);
    }

    /** Sends the head and as much of the body as the proxy takes, until the answer is in or the socket fails. */
    private static void upload(RawHttp raw, AtomicBoolean answered) {
        try {
            OutputStream out = raw.socket().getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < BODY && !answered.get(); sent += chunk.length) {
                out.write(chunk);
            }
        } catch (IOException cut) {
            // the proxy answered and closed, or the test closed the socket
        }
    }
}
