package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client whose request body is still arriving when the route's deadline passes was too slow, not the
 * upstream: 408 REQUEST_TIMEOUT, and the upstream's breaker learns nothing from it. (Counted as upstream
 * timeouts, a few stalled uploads opened the breaker of a healthy upstream.)
 */
class SlowUploadTest {

    @ParameterizedTest(name = "Content-Length {0}")
    @ValueSource(ints = {1_000, 200_000}) // read in full before the first attempt; streamed to the upstream
    void aBodyStillArrivingAtTheDeadlineIsTheClientsTimeoutNotTheUpstreams(int declared) {
        String hocon = ProxyHarness.config(
                "app { endpoints = [\"PLACEHOLDER\"], circuit-breaker { consecutive-failures = 1 } }",
                "{ name = up, match { path-prefix = \"/\" }, upstream = app, timeout = 400ms }");
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(hocon.replace("PLACEHOLDER", upstream.authority()));
             RawHttp stalled = proxy.raw()) {
            stalled.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + declared + "\r\n\r\n"
                    + "x".repeat(100)); // and then nothing more

            RawHttp.Response response = stalled.read();

            assertEquals(408, response.status(), response.text());
            assertTrue(response.text().contains("\"REQUEST_TIMEOUT\""), response.text());
            assertFalse(proxy.observer.attempts.contains("timeout"), proxy.observer.attempts.toString());
            try (RawHttp next = proxy.raw()) {
                RawHttp.Response after = next.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertEquals(200, after.status(), "the breaker (open after one failure) stayed closed: " + after.text());
            }
        }
    }
}
