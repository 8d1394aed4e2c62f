package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Concurrently;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;
import dev.rampart.core.testing.Transports;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An upstream that refuses an upload as soon as it has the request head (413) and closes with the body unread,
 * so that its kernel resets the connection, while the proxy is still writing the body. The answer reaches the
 * proxy before the reset and must be what the client gets, whichever of the proxy's reads and writes meets the
 * reset first. On io_uring a write completes a ring round trip after it is made: a write that met the reset
 * after the last part of the body had been handed to the connection failed the attempt (502 UPSTREAM_RESET) with
 * the answer unread, in 11 to 17 uploads of these 400. Many uploads, several at a time, so that a transport that
 * loses some of the answers fails. The answer says {@code Connection: close}, so that no connection is pooled:
 * one pooled after an answer without it can go to the next upload just as the reset comes, a stale connection
 * (a different race, which a POST is not resent after).
 */
class EarlyAnswerThenResetTest {

    private static final int BODY = 200_000; // over 64 KiB: streamed as it arrives, not read whole first
    private static final int CLIENTS = 8;
    private static final int UPLOADS_EACH = 50;
    private static final String ANSWER = "HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 7\r\nConnection: close\r\n\r\ntoo big";

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void everyUploadGetsTheUpstreamsEarlyAnswerThoughTheUpstreamResetsRightAfterIt(String transport)
            throws Exception {
        SocketUpstream upstream = closing.add(SocketUpstream.start("answer-then-reset", (socket, number) -> {
            RawHttp.readHead(socket.getInputStream()); // the head only: the body stays unread
            OutputStream out = socket.getOutputStream();
            out.write(ANSWER.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        })); // and the socket closes with the body unread: the kernel resets the connection
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"127.0.0.1:" + upstream.port() + "\"], circuit-breaker { enabled = false } }",
                "{ name = upload, upstream = app, retry { attempts = 1 }, errors { rewrite-upstream = [] } }"),
                Transports.named(transport)));
        byte[] head = ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[BODY];
        Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();

        Concurrently.sumOf(CLIENTS, () -> {
            for (int i = 0; i < UPLOADS_EACH; i++) {
                answers.computeIfAbsent(upload(proxy, head, body), a -> new AtomicInteger()).incrementAndGet();
            }
            return 0;
        });

        Map<String, Integer> counted = new java.util.TreeMap<>();
        answers.forEach((answer, count) -> counted.put(answer, count.get()));
        assertEquals(Map.of("413 too big", CLIENTS * UPLOADS_EACH), counted, "the answers the uploads got");
    }

    /** One upload on a new connection: the answer's status and body, or what went wrong. */
    private static String upload(ProxyHarness proxy, byte[] head, byte[] body) {
        try (RawHttp raw = proxy.raw()) {
            raw.send(head);
            try {
                raw.socket().getOutputStream().write(body);
            } catch (IOException cut) {
                // the proxy may answer and close before the whole upload is sent
            }
            RawHttp.Response response = raw.read();
            if (response == null) {
                return "no answer";
            }
            // An envelope names its reason: enough to tell one failure from another in the counts.
            String text = response.text();
            int reason = text.indexOf("\"reason\"");
            return response.status() + " " + (reason < 0 ? text : text.substring(reason, Math.min(text.length(),
                    reason + 40)));
        } catch (IllegalStateException e) {
            return "failed: " + e.getCause();
        }
    }
}
