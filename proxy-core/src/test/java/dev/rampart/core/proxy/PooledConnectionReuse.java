package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which upstream connection each of a row of POSTs arrived on, the proxy's ticker moved by an idle time between
 * them: how the tests of the pool's reuse rules (an upstream's keep-alive hint, the margin below
 * {@code pool-idle-timeout}) see whether a connection idle that long was taken again. POSTs, since a stale
 * connection met by one is not retried and so shows.
 */
final class PooledConnectionReuse {

    private PooledConnectionReuse() {
    }

    /**
     * Sends a POST, then one more after each of {@code idleMillis} on {@code now} (the proxy's ticker), on one client
     * connection; returns the upstream connection each arrived on.
     */
    static List<Long> connectionsAfterIdling(ProxyHarness proxy, FakeUpstream upstream, AtomicLong now,
                                             long... idleMillis) {
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send(post("/0")).read().status());
            for (int i = 0; i < idleMillis.length; i++) {
                now.addAndGet(Duration.ofMillis(idleMillis[i]).toNanos());
                assertEquals(200, raw.send(post("/" + (i + 1))).read().status());
            }
        }
        List<RecordedRequest> requests = upstream.requests();
        assertEquals(idleMillis.length + 1, requests.size());
        return requests.stream().map(RecordedRequest::connectionId).toList();
    }

    /** A POST of five bytes to {@code path}. */
    static String post(String path) {
        return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello";
    }
}
