package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Mutual TLS on the listener ({@code server.tls.client-auth} and {@code trust-cert-chain}), with real
 * handshakes from the JDK's HTTP client: a required certificate keeps out clients without a trusted one, an
 * optional one admits them, and the upstream learns which certificate a client presented from
 * {@code X-Forwarded-Client-Cert} (Envoy's format), which no client can set for itself.
 */
class ListenerClientCertificateTest {

    @TempDir
    static Path dir;
    static TestCertificates listenerCert;
    /** Self-signed, its own trust anchor: what trust-cert-chain names. */
    static TestCertificates trustedClient;
    static TestCertificates strangerClient;

    @BeforeAll
    static void certificates() {
        listenerCert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        trustedClient = TestCertificates.generate(dir, "orders-client", "orders",
                "uri:spiffe://cluster.local/ns/shop/sa/orders,dns:orders.shop.svc");
        strangerClient = TestCertificates.generate(dir, "stranger", "stranger", "dns:stranger");
    }

    @Test
    void aRequiredCertificateAdmitsATrustedClientAndTellsTheUpstreamWhichOne() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("hello orders"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream, "required"))) {
            HttpResponse<String> response = send(proxy, trustedClient.presentingClientContext(listenerCert.certificate()),
                    "spoofed");

            assertEquals(200, response.statusCode(), response.body());
            assertEquals("hello orders", response.body());
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(trustedClient.certificate().getEncoded()));
            assertEquals("Hash=" + hash + ";Subject=\"CN=orders\";URI=spiffe://cluster.local/ns/shop/sa/orders"
                            + ";DNS=orders.shop.svc",
                    upstream.requests().get(0).header("x-forwarded-client-cert"), "the handshake's, not the client's");
        }
    }

    @Test
    void aRequiredCertificateKeepsOutClientsWithoutATrustedOneAndCountsThemByWhy() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("should not be seen"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream, "required"))) {
            List<String> failures = proxy.observer.handshakeFailures;
            // The JDK's client tries a failed connection twice: counts are per handshake, so compare reasons.
            assertThrows(IOException.class, () -> send(proxy,
                    TestCertificates.trustingClientContext(listenerCert.certificate()), null), "no certificate");
            Await.until(() -> !failures.isEmpty(), "the first refusal counted");
            assertEquals(List.of("no_client_certificate"), failures.stream().distinct().toList());
            assertThrows(IOException.class, () -> send(proxy,
                    strangerClient.presentingClientContext(listenerCert.certificate()), null), "an untrusted one");
            Await.until(() -> failures.contains("untrusted_client_certificate"), "the second refusal counted");

            assertEquals(List.of("no_client_certificate", "untrusted_client_certificate"),
                    failures.stream().distinct().toList());
            assertEquals(0, upstream.requests().size());
        }
    }

    @Test
    void anOptionalCertificateAdmitsAClientWithoutOneAndDropsItsOwnClaim() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("anyone"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream, "optional"))) {
            HttpResponse<String> response = send(proxy,
                    TestCertificates.trustingClientContext(listenerCert.certificate()), "Hash=00;Subject=\"CN=admin\"");

            assertEquals(200, response.statusCode(), response.body());
            assertNull(upstream.requests().get(0).header("x-forwarded-client-cert"), "a client's own claim is dropped");
            assertThrows(IOException.class, () -> send(proxy,
                    strangerClient.presentingClientContext(listenerCert.certificate()), null),
                    "a certificate shown must still be trusted");
        }
    }

    @Test
    void aListenerThatAsksNoCertificateForwardsNoClaimOfOne() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("plain"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""))) {
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/"))
                    .header("X-Forwarded-Client-Cert", "Hash=00;Subject=\"CN=admin\"").build(),
                    HttpResponse.BodyHandlers.ofString());

            assertEquals(200, response.statusCode(), response.body());
            assertNull(upstream.requests().get(0).header("x-forwarded-client-cert"));
        }
    }

    private static String config(FakeUpstream upstream, String clientAuth) {
        return ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                + "rampart.server.tls { cert-chain = \"" + listenerCert.certChain() + "\", private-key = \""
                + listenerCert.privateKey() + "\", client-auth = " + clientAuth + ", trust-cert-chain = \""
                + trustedClient.certChain() + "\" }\n";
    }

    private static HttpResponse<String> send(ProxyHarness proxy, SSLContext tls, String claimedCertificate)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxy.port() + "/who"))
                .timeout(Duration.ofSeconds(10));
        if (claimedCertificate != null) {
            request.header("X-Forwarded-Client-Cert", claimedCertificate);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
