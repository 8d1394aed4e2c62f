package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pool-idle-timeout} end to end: a pooled upstream connection left unused for longer is closed
 * (the next request opens a new one), and one reused more often than that stays.
 */
class PoolIdleTimeoutTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    private void start() {
        upstream = closing.add(FakeUpstream.start(UpstreamBehavior.ok("ok")));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], pool-idle-timeout = 1600ms }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app }")));
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    @Test
    void aPooledConnectionUnusedForLongerThanTheIdleTimeoutIsReplaced() throws InterruptedException {
        start();
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send(get("/first")).read().status());
            Thread.sleep(3200); // the pooled connection stays unused for twice the pool idle timeout
            assertEquals(200, raw.send(get("/second")).read().status());
        }
        List<RecordedRequest> requests = upstream.requests();
        assertEquals(2, requests.size());
        assertNotEquals(requests.get(0).connectionId(), requests.get(1).connectionId(),
                "the idle pooled connection was closed, so the second request needed a new one");
    }

    @Test
    void aPooledConnectionReusedMoreOftenThanTheIdleTimeoutStays() throws InterruptedException {
        start();
        try (RawHttp raw = proxy.raw()) {
            for (int i = 0; i < 8; i++) {
                assertEquals(200, raw.send(get("/busy/" + i)).read().status());
                Thread.sleep(100); // the pause between requests, a sixteenth of the pool idle timeout: a loaded machine
                                   // stalling the test for a few hundred ms must not look like idleness (a
                                   // connection idle for more than half of a timeout this short is not reused)
            }
        }
        List<RecordedRequest> requests = upstream.requests();
        assertEquals(8, requests.size());
        assertTrue(requests.stream().allMatch(r -> r.connectionId() == requests.get(0).connectionId()),
                "every request on the first pooled connection");
    }
}
