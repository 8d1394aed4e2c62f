package dev.rampart.core.proxy;

import dev.rampart.core.config.ServerTlsConfig;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload reads the listener's files again after the config check read them: a certificate rotated in place
 * between the two (the new certificate written, its key not yet) must not become the listener's, or every
 * handshake fails until the next reload. The running certificate stays, as for any file that became unusable.
 */
class ListenerReloadKeyMismatchTest {

    @TempDir
    Path dir;

    @Test
    void aKeyThatNoLongerBelongsToTheCertificateKeepsTheRunningOne() throws Exception {
        TestCertificates first = TestCertificates.generate(dir, "first", "localhost", "dns:localhost,ip:127.0.0.1");
        TestCertificates second = TestCertificates.generate(dir, "second", "localhost", "dns:localhost,ip:127.0.0.1");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(first.certChain(), cert);
        Files.copy(first.privateKey(), key);
        String hocon = ProxyHarness.simple("\"%s\"", "") + "rampart.server.tls { cert-chain = \"" + cert
                + "\", private-key = \"" + key + "\" }\n";
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(hocon.formatted(upstream.authority()))) {
            SSLContext trustingBoth = TestCertificates.trustingClientContext(first.certificate(), second.certificate());
            assertEquals(200, status(trustingBoth, proxy.port()));
            ServerTlsConfig tls = proxy.runtime().config().server().tls().orElseThrow();

            // Halfway through a rotation: the second certificate, still the first one's key.
            Files.copy(second.certChain(), cert, StandardCopyOption.REPLACE_EXISTING);
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> proxy.listener().reloadTls(tls));
            assertTrue(refused.getMessage().contains("does not belong"), refused.getMessage());

            assertEquals(200, status(trustingBoth, proxy.port()), "the running certificate and key still serve");
        }
    }

    /** The status of a GET over a new TLS connection, or -1 when the handshake failed. */
    private static int status(SSLContext tls, int port) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try {
            return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException handshakeFailed) {
            return -1;
        }
    }
}
