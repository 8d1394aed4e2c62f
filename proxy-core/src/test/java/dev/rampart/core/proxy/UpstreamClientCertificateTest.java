package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutual TLS to an upstream: an {@code https://} endpoint that asks for a client certificate gets the one
 * {@code upstreams.NAME.tls.cert-chain} and {@code private-key} name (nginx's {@code proxy_ssl_certificate}),
 * over real handshakes with endpoints that require one. An endpoint refusing the proxy is an envelope, never
 * a blank error, and no request reaches it.
 */
class UpstreamClientCertificateTest {

    @TempDir
    static Path dir;
    /** The endpoint's own certificate, naming localhost. */
    static TestCertificates endpointCert;
    /** The certificate the endpoint trusts its clients by. */
    static TestCertificates trustedClient;
    /** A certificate the endpoint does not trust. */
    static TestCertificates strangerClient;

    @BeforeAll
    static void certificates() {
        endpointCert = TestCertificates.generate(dir, "endpoint", "localhost", "dns:localhost");
        trustedClient = TestCertificates.generate(dir, "trusted-client", "rampart-gateway", "dns:rampart-gateway");
        strangerClient = TestCertificates.generate(dir, "stranger-client", "stranger", "dns:stranger");
    }

    @Test
    void anEndpointThatRequiresACertificateIsReachedWithTheConfiguredOne() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("mutual"),
                endpointCert.serverContextRequiringClientCertificate(trustedClient.certificate()));
             ProxyHarness proxy = ProxyHarness.start(config(upstream.port(), trustedClient.certChain(),
                     trustedClient.privateKey()))) {
            HttpResponse<String> response = get(proxy);

            assertEquals(200, response.statusCode(), response.body());
            assertEquals("mutual", response.body());
            assertEquals(List.of("CN=rampart-gateway"), upstream.clientCertificateSubjects());
        }
    }

    @Test
    void anEndpointThatAsksForNoCertificateIsReachedAsBefore() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("one-way"), endpointCert.serverContext());
             ProxyHarness proxy = ProxyHarness.start(config(upstream.port(), trustedClient.certChain(),
                     trustedClient.privateKey()))) {
            HttpResponse<String> response = get(proxy);

            assertEquals(200, response.statusCode(), response.body());
            assertEquals(List.of(""), upstream.clientCertificateSubjects(), "shown only when asked for");
        }
    }

    @Test
    void withoutAClientCertificateTheEndpointsRefusalIsAnEnvelope() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("should not be seen"),
                endpointCert.serverContextRequiringClientCertificate(trustedClient.certificate()));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"https://localhost:" + upstream.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                             + "      tls { trust-cert-chain = \"" + endpointCert.certChain() + "\" } }",
                     "{ name = default, upstream = app, retry { attempts = 1 } }"))) {
            assertRefused(get(proxy));
            assertEquals(0, upstream.requests().size(), "no request crosses a refused handshake");
        }
    }

    @Test
    void aClientCertificateReplacedInPlaceIsReadAgainOnReload() throws Exception {
        Path chain = dir.resolve("rotated-client.crt");
        Path key = dir.resolve("rotated-client.key");
        Files.copy(strangerClient.certChain(), chain, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(strangerClient.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("after renewal"),
                endpointCert.serverContextRequiringClientCertificate(trustedClient.certificate()))) {
            String hocon = config(upstream.port(), chain, key);
            try (ProxyHarness proxy = ProxyHarness.start(hocon)) {
                assertRefused(get(proxy));

                Files.copy(trustedClient.certChain(), chain, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(trustedClient.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
                proxy.runtime().apply(ConfigLoader.parse(hocon, "test.conf"));
                HttpResponse<String> response = get(proxy);

                assertEquals(200, response.statusCode(), "the renewed certificate is shown: " + response.body());
                assertEquals("after renewal", response.body());
                assertEquals(1, upstream.requests().size());
            }
        }
    }

    private static String config(int port, Path certChain, Path privateKey) {
        return ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + port + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + endpointCert.certChain() + "\"\n"
                        + "            cert-chain = \"" + certChain + "\", private-key = \"" + privateKey + "\" } }",
                "{ name = default, upstream = app, retry { attempts = 1 } }");
    }

    private static HttpResponse<String> get(ProxyHarness proxy) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/mtls")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response) {
        assertEquals(502, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(null));
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_UNREACHABLE", envelope.reason(), response.body());
        assertEquals("1", envelope.metadata().get("attempts"));
        assertTrue(!envelope.message().toLowerCase().contains("certificate"), "no internals in the message");
    }
}
