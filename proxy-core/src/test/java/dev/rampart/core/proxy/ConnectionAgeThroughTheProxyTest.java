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
 * {@code pool-max-connection-age} from the config to the wire: past the age, the pooled connection is
 * replaced, however busy it was; the new one is reused as usual. The proxy's ticker is moved by the test.
 */
class ConnectionAgeThroughTheProxyTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + upstream.authority() + "\"], pool-max-connection-age = 1m }",
            "{ name = default, match { path-prefix = \"/\" }, upstream = app }"), now::get);

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void aConnectionPastTheAgeIsReplacedAndItsSuccessorReused() {
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send(get("/first")).read().status());
            now.addAndGet(Duration.ofSeconds(61).toNanos());
            assertEquals(200, raw.send(get("/second")).read().status());
            assertEquals(200, raw.send(get("/third")).read().status());
        }
        List<RecordedRequest> requests = upstream.requests();
        assertEquals(3, requests.size());
        assertNotEquals(requests.get(0).connectionId(), requests.get(1).connectionId(),
                "the connection a minute old was not reused");
        assertEquals(requests.get(1).connectionId(), requests.get(2).connectionId(), "the new one is");
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }
}
