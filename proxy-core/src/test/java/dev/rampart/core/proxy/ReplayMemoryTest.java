package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code server.max-replay-memory} bounds what the replay buffers of all requests hold together: a body that
 * finds no room streams and is not retried once sent, and what a finished request held is free again.
 */
class ReplayMemoryTest {

    private final AtomicInteger seen = new AtomicInteger();
    /** Every first attempt gets a 503, every retry the body echoed. */
    private final FakeUpstream upstream = FakeUpstream.start((req, reply) -> {
        if (seen.incrementAndGet() % 2 == 1) {
            reply.send(503, "text/plain", "try again");
        } else {
            UpstreamBehavior.echo().respond(req, reply);
        }
    });
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + upstream.authority() + "\"], circuit-breaker { enabled = false } }",
            "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 5s,\n"
                    + " retry { attempts = 2, backoff { initial = 10ms, max = 10ms } } }")
            .replace("port = 0 }\n  admin", "port = 0, max-replay-memory = 4k }\n  admin"));

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void bodiesWithinTheReplayMemoryAreRetriedAndGiveTheirShareBackWhenDone() throws Exception {
        for (int i = 0; i < 4; i++) {
            byte[] body = new byte[3 * 1024];
            body[i] = 7;
            HttpResponse<byte[]> response = put(body);
            assertEquals(200, response.statusCode(), "request " + i + ": the 503 retried with the body replayed");
            assertArrayEquals(body, response.body(), "request " + i);
        }
        assertEquals(List.of(), proxy.observer.skipped, "3 KiB each, one at a time, fit 4 KiB every time");
    }

    @Test
    void aBodyLargerThanTheReplayMemoryStreamsAndIsNotRetried() throws Exception {
        HttpResponse<byte[]> response = put(new byte[8 * 1024]);

        assertEquals(503, response.statusCode(), "the upstream's 503: the body was sent and not kept");
        assertEquals(1, upstream.requests().size());
        assertEquals(List.of("body"), proxy.observer.skipped);
    }

    private HttpResponse<byte[]> put(byte[] body) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/upload")).header("Idempotency-Key", "k")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
