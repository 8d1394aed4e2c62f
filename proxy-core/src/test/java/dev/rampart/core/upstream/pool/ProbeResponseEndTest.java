package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.testing.SocketUpstream;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a health probe's reading of the answer ends, against an upstream on a raw socket: at once with the
 * head's status when the body is more than a probe reads or is cut off by a close, and at the body's end,
 * over as many reads as it takes, when the connection is kept for the next probe. A probe that ended only at
 * its timeout would hold the check's next probe back by as much (probes of an endpoint go one at a time).
 */
class ProbeResponseEndTest {

    /** Far longer than any probe here takes: a probe still running at {@link #ENDED_WITHIN} waits for this. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
    private static final long ENDED_WITHIN = 5;

    private final PoolLoop pool = new PoolLoop("probe-end-test");
    private final KeptProbeConnection keeper = new KeptProbeConnection(Ticker.systemTicker());
    private SocketUpstream upstream;

    @AfterEach
    void stop() throws IOException {
        keeper.close();
        pool.close();
        upstream.close();
    }

    /** Writes one answer to a request on {@code out}; may hold the connection, or close it by returning. */
    @FunctionalInterface
    private interface Answer {
        void write(OutputStream out, InputStream in) throws IOException;
    }

    /** Answers the requests of each connection with {@code answers} in turn, then waits for the probe to close it. */
    private void upstreamAnswering(Answer... answers) throws IOException {
        upstream = SocketUpstream.start("probe-end-upstream", (socket, number) -> {
            InputStream in = socket.getInputStream();
            for (Answer answer : answers) {
                if (!readHead(in)) {
                    return;
                }
                answer.write(socket.getOutputStream(), in);
            }
            in.transferTo(OutputStream.nullOutputStream());
        });
    }

    private static boolean readHead(InputStream in) throws IOException {
        for (String line = SocketUpstream.readLine(in); line != null; line = SocketUpstream.readLine(in)) {
            if (line.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private Future<Integer> probe() throws Exception {
        PoolSettings settings = PoolLoop.settings("127.0.0.1:" + upstream.port(), 1, Duration.ZERO, 1);
        Future<Integer> status = pool.onLoop(() -> pool.pools.probe(pool.loop, settings, "/healthz", PROBE_TIMEOUT, 0,
                keeper.use()));
        assertTrue(status.await(ENDED_WITHIN, TimeUnit.SECONDS), "the probe ended long before its timeout");
        assertTrue(status.isSuccess(), "the probe passed: " + status.cause());
        return status;
    }

    @Test
    void aBodyOverWhatAProbeReadsEndsTheProbeAtOnceWithTheHeadsStatus() throws Exception {
        upstreamAnswering((out, in) -> {
            send(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
            send(out, "x".repeat(OriginProbe.MOST_BODY_READ * 2)); // then nothing more, the connection held open
        });

        assertEquals(200, probe().getNow());
    }

    @Test
    void aBodyCutOffByACloseEndsTheProbeAtOnceWithTheHeadsStatus() throws Exception {
        upstreamAnswering((out, in) -> {
            send(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
            out.close(); // and the connection with it, 90 bytes short
        });

        assertEquals(200, probe().getNow(), "the head passed; the body cut off is no failure of the check");
    }

    @Test
    void aBodyArrivingOverSeveralReadsIsReadToItsEndAndItsConnectionKept() throws Exception {
        Answer inPieces = (out, in) -> {
            send(out, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
            try {
                Thread.sleep(100); // a read of its own for the rest of the body
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(out, "world");
        };
        upstreamAnswering(inPieces, inPieces);

        assertEquals(200, probe().getNow());
        assertEquals(200, probe().getNow());
        assertEquals(1, upstream.connections(), "the second probe went on the first one's connection");
    }

    @Test
    void aContinueBeforeTheFinalHeadIsPassedOver() throws Exception {
        upstreamAnswering((out, in) -> send(out,
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"));

        assertEquals(503, probe().getNow(), "the final head's status, not the interim one's");
    }
}
