package dev.rampart.core.health;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connections a running proxy's health checks use: one kept for all of an endpoint's probes by default
 * ({@code reuse-connection = true}, as Envoy's checks), a fresh one closed after each with
 * {@code reuse-connection = false} (as HAProxy's).
 */
class HealthCheckConnectionsTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private void checked(String extra) {
        upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok"));
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"],"
                        + " health-check { path = \"/healthz\", interval = 20ms, timeout = 5s" + extra + " } }",
                "{ name = default, upstream = app }"));
        Await.until(() -> probes().size() >= 6, "six probes");
    }

    private List<RecordedRequest> probes() {
        return upstream.requests().stream().filter(r -> r.uri().equals("/healthz")).toList();
    }

    @Test
    void anEndpointsProbesShareOneConnectionByDefault() {
        checked("");
        assertEquals(1, upstream.connectionsAccepted(), "one connection for " + probes().size() + " probes");
        assertNull(probes().get(0).header("connection"), "nor is it asked to close");
    }

    @Test
    void aTlsEndpointThatSendsCloseNotifyAfterEachAnswerFailsNoProbe(@TempDir Path dir) {
        // TLS 1.3 lets a server end its side with close_notify and wait for the client's before closing TCP: the
        // connection is open and carries nothing more, so no probe may go on it.
        TestCertificates cert = TestCertificates.generate(dir, "upstream", "localhost", "dns:localhost");
        upstream = FakeUpstream.startTls((req, reply) -> {
            reply.send(200, "text/plain", "ok");
            reply.closeNotify();
        }, cert.serverContext());
        try (LogCapture logs = LogCapture.start()) {
            proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"https://localhost:" + upstream.port()
                            + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + ", tls { trust-cert-chain = \"" + cert.certChain() + "\" }, health-check {"
                            + " path = \"/healthz\", interval = 200ms, timeout = 10s, unhealthy-threshold = 1 } }",
                    "{ name = default, upstream = app }"));
            // 200 ms apart, so that each close_notify, sent right behind its answer, is read before the next probe
            // even on a loaded machine (a probe that came first would go on, and fail over to a new connection).
            Await.until(() -> probes().size() >= 6, "six probes");
            assertTrue(logs.warnings().stream().noneMatch(w -> w.getFormattedMessage().contains("health check")),
                    logs.dump());
            assertTrue(upstream.connectionsAccepted() >= 6, "a connection for each probe: "
                    + upstream.connectionsAccepted());
        }
    }

    @Test
    void aReloadThatChangesNothingForTheEndpointKeepsItsProbesConnection() {
        checked("");
        String config = ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"],"
                + " health-check { path = \"/healthz\", interval = 20ms, timeout = 5s } }",
                "{ name = default, upstream = app }\n{ name = other, match { path-prefix = \"/other\" }, upstream = app }");
        proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(config, "a route added"));
        int before = probes().size();
        Await.until(() -> probes().size() >= before + 6, "six probes after the reload");
        assertEquals(1, upstream.connectionsAccepted(), "one connection across the reload");
    }

    @Test
    void aReloadAfterTheTrustFileChangedClosesTheProbesConnectionMadeUnderTheOldOne(@TempDir Path dir)
            throws Exception {
        TestCertificates served = TestCertificates.generate(dir, "served", "localhost", "dns:localhost");
        TestCertificates other = TestCertificates.generate(dir, "other", "localhost", "dns:localhost");
        Path trust = dir.resolve("trust.pem");
        java.nio.file.Files.copy(served.certChain(), trust);
        upstream = FakeUpstream.startTls((req, reply) -> reply.send(200, "text/plain", "ok"), served.serverContext());
        String config = ProxyHarness.config("app { endpoints = [\"https://localhost:" + upstream.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + ","
                        + " tls { trust-cert-chain = \"" + trust + "\" }, health-check { path = \"/healthz\","
                        + " interval = 20ms, timeout = 10s, unhealthy-threshold = 1 } }",
                "{ name = default, upstream = app }");
        proxy = ProxyHarness.start(config);
        Await.until(() -> probes().size() >= 3, "three probes");

        java.nio.file.Files.copy(other.certChain(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(config, "the CA replaced in place"));

        Await.until(() -> proxy.runtime().healthChecks().verdicts().stream().noneMatch(HealthChecks.Verdict::healthy),
                "the endpoint, whose certificate is no longer trusted, to fail its checks");
    }

    @Test
    void withoutReuseEachProbeHasAConnectionOfItsOwnThatItAsksToClose() {
        checked(", reuse-connection = false");
        assertTrue(upstream.connectionsAccepted() >= 6, upstream.connectionsAccepted() + " connections");
        assertEquals("close", probes().get(0).header("connection"));
    }
}
