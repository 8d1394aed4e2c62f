package dev.rampart.core.health;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code health-check { type = tcp }} against real sockets: a probe passes once the connection (and the TLS
 * handshake, for an {@code https://} endpoint) is made, and sends nothing.
 */
class ConnectOnlyHealthCheckTest {

    private static final String TIMING = "interval = 50ms, timeout = 300ms, healthy-threshold = 2,"
            + " unhealthy-threshold = 2";
    private static final String TCP_CHECK = "health-check { type = tcp, " + TIMING + " }";
    private static final String HTTP_CHECK = "health-check { " + TIMING + " }";

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void anEndpointThatAcceptsButNeverAnswersPassesATcpCheckAndFailsAnHttpOne() {
        FakeUpstream tcpChecked = silent();
        FakeUpstream httpChecked = silent();
        ProxyHarness proxy = proxy(
                "tcp { endpoints = [\"" + tcpChecked.authority() + "\"], " + TCP_CHECK + " }\n"
                        + "http { endpoints = [\"" + httpChecked.authority() + "\"], " + HTTP_CHECK + " }",
                "{ name = default, upstream = tcp }");

        Await.until(() -> verdicts(proxy, httpChecked).equals(List.of(false)), "the HTTP check to fail");
        Await.until(() -> tcpChecked.connectionsAccepted() >= 5, "five connect-only probes");
        assertEquals(List.of(true), verdicts(proxy, tcpChecked), "connected is passed");
        assertEquals(List.of(), tcpChecked.requests(), "a connect-only probe sends no request");
        Await.until(() -> tcpChecked.connectionsOpen() == 0 || tcpChecked.connectionsOpen() == 1,
                "each probe's connection closed once made (one may be in flight)");
    }

    @Test
    void aRefusedPortFailsATcpCheckAndTheLineThatTakesItOutSaysSo() {
        FakeUpstream live = silent();
        String refused = "127.0.0.1:" + FakeUpstream.refusingPort();
        LogCapture logs = LogCapture.start();
        open.add(logs);
        ProxyHarness proxy = proxy("app { endpoints = [\"" + refused + "\", \"" + live.authority() + "\"], "
                + TCP_CHECK + " }", "{ name = default, upstream = app }");

        String line = logs.awaitLine("of upstream app failed", "the line that takes the refusing endpoint out");
        assertTrue(line.matches(".*endpoint " + refused + " of upstream app failed 2 health checks in a row;"
                + " out of rotation; last: [^;]*Connection refused[^;]*"), line);
        assertEquals(List.of(false), verdicts(proxy, refused));
        assertEquals(List.of(true), verdicts(proxy, live.authority()));
    }

    @Test
    void theTlsHandshakeIsPartOfATcpCheckOfAnHttpsEndpoint() {
        TestCertificates trustedCert = TestCertificates.generate(dir, "trusted", "localhost", "dns:localhost");
        TestCertificates unknownCert = TestCertificates.generate(dir, "unknown", "localhost", "dns:localhost");
        FakeUpstream trusted = tls(trustedCert);
        FakeUpstream untrusted = tls(unknownCert);
        ProxyHarness proxy = proxy(
                "trusted { endpoints = [\"https://localhost:" + trusted.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME
                        + ", tls { trust-cert-chain = \"" + trustedCert.certChain() + "\" }, " + TCP_CHECK + " }\n"
                        + "untrusted { endpoints = [\"https://localhost:" + untrusted.port() + "\"]"
                        + ProxyHarness.TLS_HANDSHAKE_TIME + ", tls { trust-cert-chain = \"" + trustedCert.certChain()
                        + "\" }, " + TCP_CHECK + " }",
                "{ name = default, upstream = trusted }");

        Await.until(() -> verdicts(proxy, "localhost:" + untrusted.port()).equals(List.of(false)),
                "the endpoint whose certificate is not trusted to fail its check: traffic would fail its handshake");
        Await.until(() -> trusted.connectionsAccepted() >= 3, "three probes of the trusted endpoint");
        assertEquals(List.of(true), verdicts(proxy, "localhost:" + trusted.port()));
        assertEquals(List.of(), trusted.requests(), "the handshake, then no request");
    }

    @Test
    void aReloadFromAnHttpCheckToATcpOneCarriesTheVerdictOn() throws Exception {
        FakeUpstream a = silent();
        FakeUpstream b = silent();
        String endpoints = "app { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"], ";
        ProxyHarness proxy = proxy(endpoints + HTTP_CHECK + " }", "{ name = default, upstream = app }");
        Await.until(() -> verdicts(proxy, a).equals(List.of(false)), "a to fail its HTTP check");

        proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(endpoints + TCP_CHECK + " }",
                "{ name = default, upstream = app }"), "reload.conf"));
        assertEquals(List.of(false), verdicts(proxy, a), "the verdict carries over to the new check");
        Await.until(() -> verdicts(proxy, a).equals(List.of(true)), "a to pass the connect-only check it now has");
    }

    /** Accepts connections and reads requests, and answers none. */
    private FakeUpstream silent() {
        FakeUpstream upstream = FakeUpstream.start((req, reply) -> { });
        open.add(upstream);
        return upstream;
    }

    private FakeUpstream tls(TestCertificates certificates) {
        FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("ok"), certificates.serverContext());
        open.add(upstream);
        return upstream;
    }

    private ProxyHarness proxy(String upstreams, String routes) {
        ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(upstreams, routes));
        open.add(proxy);
        return proxy;
    }

    private static List<Boolean> verdicts(ProxyHarness proxy, FakeUpstream upstream) {
        return verdicts(proxy, upstream.authority());
    }

    private static List<Boolean> verdicts(ProxyHarness proxy, String endpoint) {
        return proxy.runtime().healthChecks().verdicts().stream()
                .filter(v -> v.endpoint().equals(endpoint)).map(HealthChecks.Verdict::healthy).toList();
    }
}
