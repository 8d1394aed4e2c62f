package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestAuthority;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The dates that decide whether an upstream's certificate is trusted are those of the path from it to the
 * trust anchor, the anchor included (as OpenSSL, nginx and curl decide), not those of every certificate the
 * upstream happens to send: an expired CA is refused, an expired certificate on no path is ignored.
 */
class UpstreamChainDatesTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final Closing closing = new Closing();

    private HttpResponse<String> getThrough(Path chainFile, Path keyFile, Path trustFile) throws Exception {
        FakeUpstream upstream = closing.add(FakeUpstream.startTls(UpstreamBehavior.ok("trusted"),
                SslContextBuilder.forServer(chainFile.toFile(), keyFile.toFile()).build()));
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + upstream.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + trustFile + "\" } }",
                "{ name = default, upstream = app, retry { attempts = 1 } }")));
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/dates")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anExpiredCertificateTheUpstreamSendsBesideAValidPathIsIgnored() throws Exception {
        TestAuthority ca = TestAuthority.create(dir, "current-ca", "-1d", 30);
        TestCertificates endpoint = ca.issue("endpoint", "dns:localhost");
        // The CA's expired cross-signature by an old, expired root still sent behind the endpoint's certificate,
        // as servers did when AddTrust (2020) and DST Root CA X3 (2021) expired. The path ends at the CA.
        TestAuthority oldRoot = TestAuthority.create(dir, "old-root", "-60d", 20);
        Path crossSigned = ca.crossSignedBy(oldRoot, "-50d", 10);
        Path chain = dir.resolve("served-chain.crt");
        Files.writeString(chain, Files.readString(endpoint.certChain()) + Files.readString(crossSigned)
                + Files.readString(oldRoot.certFile()));

        HttpResponse<String> response = getThrough(chain, endpoint.privateKey(), ca.certFile());

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("trusted", response.body());
    }

    @Test
    void anExpiredCertificateAuthorityIsRefusedThoughTheEndpointsOwnCertificateIsCurrent() throws Exception {
        TestAuthority expiredCa = TestAuthority.create(dir, "expired-ca", "-30d", 10);
        TestCertificates endpoint = expiredCa.issue("endpoint-of-expired", "dns:localhost");

        HttpResponse<String> response = getThrough(endpoint.certChain(), endpoint.privateKey(), expiredCa.certFile());

        assertEquals(502, response.statusCode(), response.body());
        assertEquals("UPSTREAM_UNREACHABLE", Envelope.parse(response.body()).reason());
    }

    @Test
    void aRenewedAuthorityBesideTheExpiredOneStillTrustsTheEndpoint() throws Exception {
        TestAuthority ca = TestAuthority.create(dir, "renewed-ca", "-30d", 10);
        TestCertificates endpoint = ca.issue("endpoint-of-renewed", "dns:localhost");
        Path renewal = ca.renewed("-1d", 30);
        // Both certificates of the CA's key are anchors: a path may end at either, and one is out of date.
        Path trust = dir.resolve("old-and-renewed.crt");
        Files.writeString(trust, Files.readString(ca.certFile()) + Files.readString(renewal));

        HttpResponse<String> response = getThrough(endpoint.certChain(), endpoint.privateKey(), trust);

        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    void aChainOfSixIntermediatesThatTheJdkAcceptsIsNotRefusedByTheDateCheck() throws Exception {
        TestAuthority root = TestAuthority.create(dir, "deep-root", "-1d", 30);
        StringBuilder served = new StringBuilder();
        TestAuthority issuer = root;
        for (int i = 1; i <= 6; i++) {
            issuer = issuer.subordinate("deep-intermediate-" + i);
            served.insert(0, Files.readString(issuer.certFile())); // each intermediate before its issuer
        }
        TestCertificates endpoint = issuer.issue("deep-endpoint", "dns:localhost");
        Path chain = dir.resolve("deep-chain.crt");
        Files.writeString(chain, Files.readString(endpoint.certChain()) + served);

        HttpResponse<String> response = getThrough(chain, endpoint.privateKey(), root.certFile());

        assertEquals(200, response.statusCode(), response.body());
    }
}
