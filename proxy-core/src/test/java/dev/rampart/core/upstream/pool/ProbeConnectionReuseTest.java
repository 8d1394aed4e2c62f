package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.testing.SocketUpstream;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A health check's probes share one connection while the upstream lets them ({@link KeptProbeConnection}):
 * each response is read to its end, a connection the upstream ends or cannot end cleanly is not kept, and one
 * the upstream closed while it was idle costs no failed probe.
 */
class ProbeConnectionReuseTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    private static final String OK_CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";

    private final PoolLoop pool = new PoolLoop("probe-reuse-test");
    private final KeptProbeConnection keeper = new KeptProbeConnection(Ticker.systemTicker());
    /** Each request head the upstream read, as its lines. */
    private final List<List<String>> heads = new CopyOnWriteArrayList<>();
    private SocketUpstream upstream;

    @AfterEach
    void stop() throws IOException {
        keeper.close();
        pool.close();
        upstream.close();
    }

    /** Answers each request on a connection with {@code answers}' next text; after the last, reads one more and closes. */
    private void upstreamAnswering(String... answers) throws IOException {
        upstream = SocketUpstream.start("probe-reuse-upstream", (socket, number) -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            for (String answer : answers) {
                if (!readHead(in)) {
                    return;
                }
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            readHead(in); // and closes without an answer, as a server whose keep-alive timeout ran out just then
        });
    }

    private boolean readHead(InputStream in) throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        for (String line = SocketUpstream.readLine(in); line != null; line = SocketUpstream.readLine(in)) {
            if (line.isEmpty()) {
                heads.add(lines);
                return true;
            }
            lines.add(line.toLowerCase(java.util.Locale.ROOT));
        }
        return false;
    }

    private Future<Integer> probe(KeptProbeConnection kept, Duration timeout) throws Exception {
        PoolSettings settings = PoolLoop.settings("127.0.0.1:" + upstream.port(), 1, Duration.ZERO, 1);
        Future<Integer> status = pool.onLoop(() -> pool.pools.probe(pool.loop, settings, "/healthz", timeout, 0,
                kept == null ? null : kept.use()));
        assertTrue(status.await(5, TimeUnit.SECONDS), "the probe ended");
        return status;
    }

    private int passingProbe(KeptProbeConnection kept) throws Exception {
        Future<Integer> status = probe(kept, Duration.ofSeconds(2));
        assertTrue(status.isSuccess(), "the probe passed: " + status.cause());
        return status.getNow();
    }

    /** The probe after one whose connection is on its way to the keeper: kept once the whole response is read. */
    private void awaitKept() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (pool.onLoop(() -> {
            KeptProbeConnection.Use use = keeper.use();
            io.netty.channel.Channel ch = use.take();
            if (ch != null) {
                use.keep(ch);
            }
            return ch == null;
        })) {
            assertTrue(System.nanoTime() < until, "a connection was kept");
            Thread.sleep(5);
        }
    }

    @Test
    void successiveProbesGoOnOneConnectionWhateverTheirBodiesFraming() throws Exception {
        upstreamAnswering(OK, OK_CHUNKED, OK, OK_CHUNKED, "HTTP/1.1 204 No Content\r\n\r\n", OK);
        for (int i = 0; i < 6; i++) {
            passingProbe(keeper);
            awaitKept();
        }
        assertEquals(1, upstream.connections(), "one connection for six probes");
        assertEquals(6, heads.size());
        heads.forEach(head -> assertTrue(head.stream().noneMatch(line -> line.startsWith("connection:")),
                "a kept connection is not asked to close: " + head));
    }

    @Test
    void aProbeWhoseKeptConnectionTheUpstreamClosedGoesAgainOnAFreshOne() throws Exception {
        upstreamAnswering(OK); // then reads the second request and closes without an answer
        assertEquals(200, passingProbe(keeper));
        awaitKept();
        assertEquals(200, passingProbe(keeper), "the closed connection failed nothing");
        assertEquals(2, upstream.connections());
        assertEquals(3, heads.size(), "the request that met the closing connection, then its second try");
    }

    @Test
    void aResponseThatClosesItsConnectionLeavesNothingToKeep() throws Exception {
        upstreamAnswering("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, passingProbe(keeper));
        }
        assertEquals(3, upstream.connections());
        assertEquals(3, heads.size(), "no request went to a connection the upstream had said it would close");
    }

    @Test
    void withoutAKeeperEachProbeHasAFreshConnectionAndAsksToCloseIt() throws Exception {
        upstreamAnswering(OK, OK);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, passingProbe(null));
        }
        assertEquals(3, upstream.connections());
        heads.forEach(head -> assertTrue(head.contains("connection: close"), head.toString()));
    }

    @Test
    void aBodyLargerThanAProbeReadsIsNotReadToItsEndAndItsConnectionNotKept() throws Exception {
        String large = "HTTP/1.1 200 OK\r\nContent-Length: " + (OriginProbe.MOST_BODY_READ * 4) + "\r\n\r\n"
                + "x".repeat(OriginProbe.MOST_BODY_READ * 4);
        upstreamAnswering(large, large, large);
        assertEquals(200, passingProbe(keeper));
        assertEquals(200, passingProbe(keeper));
        assertEquals(2, upstream.connections());
    }

    @Test
    void aBodyUnfinishedWithinTheTimeoutEndsTheProbeThenWithTheHeadsStatusAndItsConnection() throws Exception {
        upstreamAnswering("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", OK); // five bytes short, forever
        long start = System.nanoTime();
        Future<Integer> status = probe(keeper, Duration.ofSeconds(1));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, status.getNow(), "the head passed");
        assertTrue(tookMillis >= 900, "the probe ended at its timeout, not at the head, so the next cannot start"
                + " beside it: " + tookMillis + " ms");
        assertEquals(200, passingProbe(keeper));
        assertEquals(2, upstream.connections(), "the unfinished one was closed, not kept");
    }

    @Test
    void bytesTheUpstreamSendsBetweenProbesCloseTheKeptConnectionInsteadOfAnsweringTheNextProbe() throws Exception {
        upstream = SocketUpstream.start("probe-reuse-upstream", (socket, number) -> {
            readHead(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            out.write(OK.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (number == 1) {
                sleep(100); // then a response nobody asked for, which the next probe must not take for its own
                out.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            socket.getInputStream().read(); // until the proxy closes
        });
        assertEquals(200, passingProbe(keeper));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (pool.onLoop(() -> { // the unasked bytes were read, and the connection closed
            KeptProbeConnection.Use use = keeper.use();
            io.netty.channel.Channel ch = use.take();
            boolean open = ch != null;
            if (open) {
                use.keep(ch);
            }
            return open;
        })) {
            assertTrue(System.nanoTime() < until, "the kept connection was closed");
            Thread.sleep(5);
        }
        assertEquals(200, passingProbe(keeper), "not the 503 sent between the probes");
        assertEquals(2, upstream.connections());
    }

    @Test
    void aConnectionInUseWhenTheKeptOneIsClosedIsNotKeptAfterItsProbe() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        upstream = SocketUpstream.start("probe-reuse-upstream", (socket, number) -> {
            OutputStream out = socket.getOutputStream();
            while (readHead(socket.getInputStream())) {
                asked.countDown();
                sleep(200);
                out.write(OK.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        });
        PoolSettings settings = PoolLoop.settings("127.0.0.1:" + upstream.port(), 1, Duration.ZERO, 1);
        Future<Integer> first = pool.onLoop(() -> pool.pools.probe(pool.loop, settings, "/healthz",
                Duration.ofSeconds(2), 0, keeper.use()));
        assertTrue(asked.await(5, TimeUnit.SECONDS));
        keeper.closeKept(); // a reload while the probe waits for its answer: made under the settings of before
        assertTrue(first.await(5, TimeUnit.SECONDS) && first.isSuccess(), String.valueOf(first.cause()));

        assertEquals(200, passingProbe(keeper));
        assertEquals(2, upstream.connections(), "the next probe had a new connection");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void closingTheKeeperClosesTheKeptConnection() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        upstream = SocketUpstream.start("probe-reuse-upstream", (Socket socket, int number) -> {
            readHead(socket.getInputStream());
            socket.getOutputStream().write(OK.getBytes(StandardCharsets.ISO_8859_1));
            if (socket.getInputStream().read() == -1) {
                ended.countDown();
            }
        });
        passingProbe(keeper);
        awaitKept();
        keeper.close();
        assertTrue(ended.await(5, TimeUnit.SECONDS), "the upstream saw the kept connection end");
    }
}
