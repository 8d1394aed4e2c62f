package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
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
        List<Long> connections = connectionsAfterIdling(3_900, 4_100, 0);
        assertEquals(connections.get(0), connections.get(1), "3.9 s idle of a 5 s hint: reused");
        assertNotEquals(connections.get(1), connections.get(2), "4.1 s idle: not reused");
        assertEquals(connections.get(2), connections.get(3), "the new one is reused at once");
    }

    @Test
    void aHintOfOneSecondKeepsHalfASecond() {
        start("Keep-Alive: timeout=1");
        List<Long> connections = connectionsAfterIdling(450, 550);
        assertEquals(connections.get(0), connections.get(1), "0.45 s idle: reused");
        assertNotEquals(connections.get(1), connections.get(2), "0.55 s idle: not reused");
    }

    @Test
    void withoutAHintOnlyThePoolsOwnIdleTimeoutCounts() {
        start("X-Keep-Alive: timeout=1");
        List<Long> connections = connectionsAfterIdling(Duration.ofMinutes(9).toMillis());
        assertEquals(connections.get(0), connections.get(1), "nine minutes idle of ten: reused");
    }

    @Test
    void theUpstreamsHintIsNotRelayedToTheClient() {
        start("Keep-Alive: timeout=5");
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send(PooledConnectionReuse.post("/first")).read();
            assertEquals(200, response.status());
            // hop-by-hop, about the upstream's connection: the client has the proxy's own, from server.idle-timeout
            assertEquals("timeout=60", response.header("keep-alive"), "not the upstream's timeout=5 as well");
        }
    }

    private List<Long> connectionsAfterIdling(long... idleMillis) {
        return PooledConnectionReuse.connectionsAfterIdling(proxy, upstream, now, idleMillis);
    }
}
