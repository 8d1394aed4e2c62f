package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.SocketUpstream;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection released while a request waits goes to that request only once the loop has read what its upstream
 * sent behind the response: an upstream that closes each connection right after its response, with no
 * {@code Connection: close}, had every waiting request written onto the closed connection (a POST then failed
 * 502 UPSTREAM_RESET), since the close is read only after the response's end released the connection.
 */
class WaiterHandOverTest {

    private final PoolLoop pool = new PoolLoop("pool-hand-over-test");

    @AfterEach
    void stop() {
        pool.close();
    }

    @Test
    void aWaiterGetsANewConnectionWhenTheUpstreamClosedTheReleasedOneBehindItsResponse() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (SocketUpstream upstream = SocketUpstream.start("closes-after-response", (socket, n) -> {
            answer(socket);
            socket.close(); // at once, unannounced: the FIN follows the response's bytes
            closed.countDown();
        })) {
            PoolSettings oneConnection = PoolLoop.settings("127.0.0.1:" + upstream.port(), 1, Duration.ZERO, 4);
            OriginConnection first = pool.borrow(oneConnection);
            Future<OriginConnection> waiting = pool.acquire(oneConnection);
            assertFalse(waiting.isDone(), "the second request waits for the only connection");

            exchangeReleasingAtTheEnd(first, closed);

            assertTrue(waiting.await(5, TimeUnit.SECONDS) && waiting.isSuccess(), "the waiter is served: " + waiting.cause());
            assertNotSame(first, waiting.getNow(), "not with the connection its upstream closed");
            assertTrue(waiting.getNow().channel().isActive(), "with a new, open one");
            pool.release(waiting.getNow(), false);
        }
    }

    @Test
    void aWaiterGetsTheReleasedConnectionWhenTheUpstreamKeepsItOpen() throws Exception {
        try (SocketUpstream upstream = SocketUpstream.start("keeps-alive", (socket, n) -> {
            answer(socket);
            socket.getInputStream().read(); // holds the connection until the proxy closes it
        })) {
            PoolSettings oneConnection = PoolLoop.settings("127.0.0.1:" + upstream.port(), 1, Duration.ZERO, 4);
            OriginConnection first = pool.borrow(oneConnection);
            Future<OriginConnection> waiting = pool.acquire(oneConnection);
            assertFalse(waiting.isDone(), "the second request waits for the only connection");

            exchangeReleasingAtTheEnd(first, new CountDownLatch(0));

            assertTrue(waiting.await(5, TimeUnit.SECONDS) && waiting.isSuccess(), "the waiter is served: " + waiting.cause());
            assertSame(first, waiting.getNow(), "with the connection released, reused");
            assertEquals(1, upstream.connections(), "no new connection was opened");
            pool.release(waiting.getNow(), false);
        }
    }

    /** Reads one request head and answers it with a complete keep-alive response. */
    private static void answer(java.net.Socket socket) throws java.io.IOException {
        InputStream in = socket.getInputStream();
        String line;
        while ((line = SocketUpstream.readLine(in)) != null && !line.isEmpty()) {
            // the request head, up to its blank line
        }
        OutputStream out = socket.getOutputStream();
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * Sends a GET on {@code conn} and, as an exchange does, releases the connection from the read that brings the
     * response's end, as reusable. The response is read once {@code answered} is open: with the upstream's close
     * already behind it, as when an upstream's FIN arrives with its response's last bytes.
     */
    private void exchangeReleasingAtTheEnd(OriginConnection conn, CountDownLatch answered) throws Exception {
        pool.onLoop(() -> {
            conn.bind(new IgnoringOriginListener() {
                @Override
                public void onOriginMessage(Object msg) {
                    boolean last = msg instanceof LastHttpContent;
                    ReferenceCountUtil.release(msg);
                    if (last) {
                        conn.release(true);
                    } else {
                        conn.channel().read();
                    }
                }
            });
            DefaultFullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
            get.headers().set(HttpHeaderNames.HOST, "upstream");
            conn.writeAndFlush(get);
            return null;
        });
        assertTrue(answered.await(5, TimeUnit.SECONDS), "the upstream answered");
        pool.onLoop(() -> conn.channel().read());
    }
}
