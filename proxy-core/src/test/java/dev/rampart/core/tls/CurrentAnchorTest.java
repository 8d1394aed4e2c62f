package dev.rampart.core.tls;

import dev.rampart.core.testing.TestAuthority;
import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The anchor a trusted path ends at must be within its dates; a path to an out-of-date anchor is tried again
 * without it. The path finding is the JDK's choice among equal anchors, so these tests make it choose the
 * out-of-date one first, which a handshake cannot be made to do.
 */
class CurrentAnchorTest {

    @TempDir
    static Path dir;

    /** Prefers {@code first} whenever it is still a candidate, then any other candidate. */
    private static CurrentCertificatesTrustManager.PathFinder preferring(X509Certificate first) {
        return (leaf, chain, candidates) -> candidates.stream().map(TrustAnchor::getTrustedCert)
                .filter(first::equals).findFirst()
                .orElse(candidates.isEmpty() ? null : candidates.iterator().next().getTrustedCert());
    }

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void aPathToAnOutOfDateAnchorIsTriedAgainWithTheRenewedOne() throws Exception {
        TestAuthority ca = TestAuthority.create(dir, "anchor-ca", "-30d", 10);
        TestCertificates endpoint = ca.issue("anchor-endpoint", "dns:localhost");
        X509Certificate expired = ca.certificate();
        X509Certificate renewed = read(ca.renewed("-1d", 30));
        Set<TrustAnchor> anchors = new LinkedHashSet<>();
        anchors.add(new TrustAnchor(expired, null));
        anchors.add(new TrustAnchor(renewed, null));

        CurrentCertificatesTrustManager.requireCurrentAnchor(new X509Certificate[] {endpoint.certificate()}, anchors,
                preferring(expired)); // passes: the second round ends at the renewed anchor
    }

    @Test
    void onlyOutOfDateAnchorsRefuseWithTheirExpiry() throws Exception {
        TestAuthority ca = TestAuthority.create(dir, "only-expired-ca", "-30d", 10);
        TestCertificates endpoint = ca.issue("only-expired-endpoint", "dns:localhost");

        assertThrows(CertificateExpiredException.class, () -> CurrentCertificatesTrustManager.requireCurrentAnchor(
                new X509Certificate[] {endpoint.certificate()}, Set.of(new TrustAnchor(ca.certificate(), null)),
                preferring(ca.certificate())));
    }
}
