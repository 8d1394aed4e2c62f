package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.FakeUpstream;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a health probe makes of the answer: the final response head, judged as traffic would judge it. */
class OriginProbeTest {

    private final PoolLoop pool = new PoolLoop("probe-test");
    private FakeUpstream upstream;

    @AfterEach
    void stop() {
        pool.close();
        upstream.close();
    }

    private Future<Integer> probeAnswering(String raw, boolean closeAfter) throws Exception {
        upstream = FakeUpstream.start((req, reply) -> {
            reply.raw(raw);
            if (closeAfter) {
                reply.after(50, reply::close);
            }
        });
        PoolSettings settings = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 1);
        Future<Integer> status = pool.onLoop(() -> pool.pools.probe(pool.loop, settings, "/healthz", Duration.ofSeconds(2), 0));
        assertTrue(status.await(5, TimeUnit.SECONDS), "the probe ended");
        return status;
    }

    @Test
    void anInterimResponseIsPassedOverForTheFinalOne() throws Exception {
        Future<Integer> status = probeAnswering(
                "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", false);
        assertTrue(status.isSuccess(), String.valueOf(status.cause()));
        assertEquals(204, status.getNow());
    }

    @Test
    void aMalformedHeadFailsTheCheck() throws Exception {
        Future<Integer> status = probeAnswering("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", false);
        assertFalse(status.isSuccess(), "a 200 traffic could not use is no pass: " + status.getNow());
    }

    @Test
    void aHeadCutOffByACloseFailsTheCheck() throws Exception {
        Future<Integer> status = probeAnswering("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", true);
        assertFalse(status.isSuccess(), "an unfinished head is no pass: " + status.getNow());
    }
}
