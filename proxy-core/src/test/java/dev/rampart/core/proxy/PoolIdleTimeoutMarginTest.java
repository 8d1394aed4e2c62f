package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A pooled connection idle for nearly {@code pool-idle-timeout} is not taken again, with the margin an upstream's
 * {@code Keep-Alive} hint gets: an upstream that says nothing but whose own idle timer is as long (Jetty's 30 s
 * idle timeout against the default 30 s) closes it in the same instant, and a POST written onto it then could not
 * be sent again. The upstream here never closes; the proxy's ticker is moved by the test, so the pool's own timer
 * (in real time) does not fire either and only the reuse check decides.
 */
class PoolIdleTimeoutMarginTest {

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

    private void start(String poolIdleTimeout) {
        upstream = FakeUpstream.start(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], pool-idle-timeout = " + poolIdleTimeout + " }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app }"), now::get);
    }

    @Test
    void aConnectionIdleWithinASecondOfThePoolIdleTimeoutIsReplaced() {
        start("30s");
        List<Long> connections = connectionsAfterIdling(28_900, 29_100, 0);
        assertEquals(connections.get(0), connections.get(1), "28.9 s idle of 30 s: reused");
        assertNotEquals(connections.get(1), connections.get(2), "29.1 s idle: not reused");
        assertEquals(connections.get(2), connections.get(3), "the new one is reused at once");
    }

    @Test
    void aShortPoolIdleTimeoutKeepsHalfOfIt() {
        start("1s");
        List<Long> connections = connectionsAfterIdling(450, 550);
        assertEquals(connections.get(0), connections.get(1), "0.45 s idle of 1 s: reused");
        assertNotEquals(connections.get(1), connections.get(2), "0.55 s idle: not reused");
    }

    private List<Long> connectionsAfterIdling(long... idleMillis) {
        return PooledConnectionReuse.connectionsAfterIdling(proxy, upstream, now, idleMillis);
    }
}
