package dev.rampart.core.health;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UnansweredListener;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end of the proxy ({@code ProxyRuntime.close}) returns only once the health checks' connections are closed, as
 * the pooled ones: the event loops end right after it, with no quiet period in the tests, and a loop may end without
 * closing a channel still registered, whose pending io_uring receive buffer is then never released (a leak report).
 * Stopping the checks only starts those closes, on the loops.
 */
class ProbeConnectionsAtCloseTest {

    private ProxyHarness proxy;
    private AutoCloseable upstream;

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        upstream.close();
    }

    private void checked(String endpoint, String check) {
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + endpoint + "\"], connect-timeout = 30s,"
                        + " health-check { path = \"/healthz\", " + check + " } }",
                "{ name = default, upstream = app }"));
    }

    private void closedWithEveryProbeConnection() {
        long started = System.nanoTime();
        proxy.runtime().close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(0, proxy.runtime().pools().probeConnectionsOpen(), "probe connections open after the close");
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "closed at once, not at a timeout: " + took);
    }

    @Test
    void aProbeAwaitingItsAnswer() {
        FakeUpstream silent = FakeUpstream.start(UpstreamBehavior.hang());
        upstream = silent;
        checked(silent.authority(), "interval = 1s, timeout = 30s");
        Await.until(() -> !silent.requests().isEmpty(), "the probe's request");
        closedWithEveryProbeConnection();
    }

    @Test
    void theConnectionKeptBetweenProbes() {
        FakeUpstream healthy = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok"));
        upstream = healthy;
        checked(healthy.authority(), "interval = 30s, timeout = 5s");
        Await.until(() -> !healthy.requests().isEmpty()
                        && proxy.runtime().healthChecks().verdicts().stream().allMatch(HealthChecks.Verdict::healthy),
                "a probe answered, its connection kept");
        closedWithEveryProbeConnection();
    }

    @Test
    void aProbeStillConnecting() {
        UnansweredListener unanswered = UnansweredListener.start();
        upstream = unanswered;
        checked(unanswered.authority(), "interval = 1s, timeout = 30s");
        Await.until(() -> proxy.runtime().pools().probeConnectionsOpen() > 0, "the probe's connect");
        closedWithEveryProbeConnection();
    }
}
