package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A reload is all or nothing for an upstream's TLS files too: a trust file or client certificate that became
 * unusable after the config was loaded (a rotation caught halfway) refuses the reload, as the listener's do, rather
 * than retiring the upstream's connections and leaving every new one to fail until the next reload. Refused so,
 * after its config was built, it leaves nothing of that config behind (here: the verdicts of its health checks).
 */
class UpstreamTlsFileBrokenAtReloadTest {

    @RegisterExtension
    final Closing closing = new Closing();

    @TempDir
    Path dir;

    @Test
    void aTrustFileCutOffAfterTheLoadRefusesTheReloadAndTheUpstreamServesOn() throws Exception {
        TestCertificates endpoint = TestCertificates.generate(dir, "endpoint", "localhost", "dns:localhost");
        Path trust = Files.copy(endpoint.certChain(), dir.resolve("trust.pem"));
        FakeUpstream upstream = closing.add(FakeUpstream.startTls(UpstreamBehavior.ok("tls"), endpoint.serverContext()));
        String hocon = ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + upstream.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + trust + "\" } }",
                "{ name = default, upstream = app, retry { attempts = 1 } }");
        ProxyHarness proxy = closing.add(ProxyHarness.start(hocon));
        assertEquals(200, get(proxy).statusCode());

        RampartConfig loaded = ConfigLoader.parse(hocon, "test.conf"); // the file whole when the config is read
        String pem = Files.readString(trust, StandardCharsets.US_ASCII);
        Path half = dir.resolve("half.pem");
        Files.writeString(half, pem.substring(0, pem.length() / 2), StandardCharsets.US_ASCII);
        Files.move(half, trust, StandardCopyOption.REPLACE_EXISTING); // a rotation caught halfway

        assertThrows(IllegalStateException.class, () -> proxy.runtime().apply(loaded));

        HttpResponse<String> after = get(proxy);
        assertEquals(200, after.statusCode(), "the running config serves on: " + after.body());
        assertEquals("tls", after.body());
    }

    @Test
    void aClientCertificateWhoseKeyIsNotYetWrittenRefusesTheReload() throws Exception {
        TestCertificates endpoint = TestCertificates.generate(dir, "endpoint", "localhost", "dns:localhost");
        TestCertificates client = TestCertificates.generate(dir, "client", "rampart-gateway", "dns:rampart-gateway");
        TestCertificates renewed = TestCertificates.generate(dir, "renewed", "rampart-gateway", "dns:rampart-gateway");
        Path chain = Files.copy(client.certChain(), dir.resolve("client.crt"));
        Path key = Files.copy(client.privateKey(), dir.resolve("client.key"));
        FakeUpstream upstream = closing.add(FakeUpstream.startTls(UpstreamBehavior.ok("mutual"),
                endpoint.serverContextRequiringClientCertificate(client.certificate())));
        String hocon = ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + upstream.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + endpoint.certChain() + "\"\n"
                        + "            cert-chain = \"" + chain + "\", private-key = \"" + key + "\" } }",
                "{ name = default, upstream = app, retry { attempts = 1 } }");
        ProxyHarness proxy = closing.add(ProxyHarness.start(hocon));
        assertEquals(200, get(proxy).statusCode());

        RampartConfig loaded = ConfigLoader.parse(hocon, "test.conf");
        Files.copy(renewed.certChain(), chain, StandardCopyOption.REPLACE_EXISTING); // the key not yet written

        assertThrows(IllegalStateException.class, () -> proxy.runtime().apply(loaded));
        assertEquals("mutual", get(proxy).body(), "the running config serves on");
    }

    @Test
    void aRefusedReloadLeavesNoHealthVerdictOfItsOwnChecks() throws Exception {
        TestCertificates endpoint = TestCertificates.generate(dir, "endpoint", "localhost", "dns:localhost");
        Path trust = Files.copy(endpoint.certChain(), dir.resolve("trust.pem"));
        FakeUpstream upstream = closing.add(FakeUpstream.startTls(UpstreamBehavior.ok("tls"), endpoint.serverContext()));
        String running = checkedConfig(upstream.port(), trust, "/a");
        ProxyHarness proxy = closing.add(ProxyHarness.start(running));
        RampartConfig refused = ConfigLoader.parse(checkedConfig(upstream.port(), trust, "/b"), "test.conf");
        Files.writeString(trust, "-----BEGIN CERTIFICATE-----\nMIIB\n", StandardCharsets.US_ASCII); // cut off

        assertThrows(IllegalStateException.class, () -> proxy.runtime().apply(refused));

        assertEquals(1, proxy.runtime().healthChecks().verdicts().size(),
                "the running check's verdict only, not one of the refused config's check as well");
    }

    private static String checkedConfig(int port, Path trust, String checkPath) {
        return ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + port + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + trust + "\" }\n"
                        + "      health-check { path = \"" + checkPath + "\", interval = 1h } }",
                "{ name = default, upstream = app, retry { attempts = 1 } }");
    }

    private static HttpResponse<String> get(ProxyHarness proxy) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/x")).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
