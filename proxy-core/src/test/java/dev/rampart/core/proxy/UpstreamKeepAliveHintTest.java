package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * An upstream's {@code Keep-Alive: timeout=N} from the wire to the pool: a connection idle for longer than the
 * hint less its margin is not taken again (the upstream may be closing it that instant, and a POST written onto
 * it could not be sent again), while one within it is reused as usual. The proxy's ticker is moved by the test.
 */
class UpstreamKeepAliveHintTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        upstream.close();
    }

    private void start(String keepAliveLine) {
        upstream = FakeUpstream.start(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                + keepAliveLine + "\r\n\r\nok"));
        // pool-idle-timeout far above the hints, so that only the hint can keep a connection from reuse
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], pool-idle-timeout = 10m }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app }"), now::get);
    }

    @Test
    void aConnectionIdlePastTheHintLessASecondIsReplacedAndOneWithinItReused() {
        start("Keep-Alive: timeout=5");
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send(post("/first")).read().status());
            now.addAndGet(Duration.ofMillis(3_900).toNanos());
            assertEquals(200, raw.send(post("/within")).read().status());
            now.addAndGet(Duration.ofMillis(4_100).toNanos());
            assertEquals(200, raw.send(post("/past")).read().status());
            assertEquals(200, raw.send(post("/next")).read().status());
        }
        List<RecordedRequest> requests = upstream.requests();
        assertEquals(4, requests.size());
        assertEquals(requests.get(0).connectionId(), requests.get(1).connectionId(), "3.9 s idle of a 5 s hint: reused");
        assertNotEquals(requests.get(1).connectionId(), requests.get(2).connectionId(), "4.1 s idle: not reused");
        assertEquals(requests.get(2).connectionId(), requests.get(3).connectionId(), "the new one is reused at once");
    }

    @Test
    void aHintOfOneSecondKeepsHalfASecond() {
        start("Keep-Alive: timeout=1");
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send(post("/first")).read().status());
            now.addAndGet(Duration.ofMillis(450).toNanos());
            assertEquals(200, raw.send(post("/within")).read().status());
            now.addAndGet(Duration.ofMillis(550).toNanos());
            assertEquals(200, raw.send(post("/past")).read().status());
        }
        List<RecordedRequest> requests = upstream.requests();
        assertEquals(requests.get(0).connectionId(), requests.get(1).connectionId(), "0.45 s idle: reused");
        assertNotEquals(requests.get(1).connectionId(), requests.get(2).connectionId(), "0.55 s idle: not reused");
    }

    @Test
    void withoutAHintOnlyThePoolsOwnIdleTimeoutCounts() {
        start("X-Keep-Alive: timeout=1");
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send(post("/first")).read().status());
            now.addAndGet(Duration.ofMinutes(9).toNanos());
            assertEquals(200, raw.send(post("/later")).read().status());
        }
        List<RecordedRequest> requests = upstream.requests();
        assertEquals(requests.get(0).connectionId(), requests.get(1).connectionId(), "nine minutes idle of ten: reused");
    }

    @Test
    void theHintIsNotRelayedToTheClient() {
        start("Keep-Alive: timeout=5");
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send(post("/first")).read();
            assertEquals(200, response.status());
            assertEquals(null, response.header("keep-alive"), "a hop-by-hop field, about the upstream's connection");
        }
    }

    private static String post(String path) {
        return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello";
    }
}
