package dev.rampart.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * A private certificate authority made with the JDK's {@code keytool} at test time, and the endpoint
 * certificates it signs: for chains, and for the dates of the authority itself.
 *
 * @param dir         where its files are written
 * @param name        its keystore alias and file name
 * @param certificate its own (self-signed, CA) certificate
 * @param certFile    that certificate as PEM: what {@code trust-cert-chain} points at
 */
public record TestAuthority(Path dir, String name, X509Certificate certificate, Path certFile) {

    /** A CA valid from {@code startDate} (keytool syntax: {@code -1d}, {@code -30d}) for {@code days} days. */
    public static TestAuthority create(Path dir, String name, String startDate, int days) {
        Path keystore = dir.resolve(name + ".p12");
        TestCertificates.keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name, "-ext", "bc:c", "-startdate", startDate, "-validity", String.valueOf(days),
                "-keystore", keystore.toString());
        try {
            X509Certificate certificate = (X509Certificate) TestCertificates.load(keystore).getCertificate(name);
            Path certFile = dir.resolve(name + ".crt");
            Files.writeString(certFile, TestCertificates.pem("CERTIFICATE", certificate.getEncoded()));
            return new TestAuthority(dir, name, certificate, certFile);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An intermediate CA signed by this one: its {@link #certificate} is the one this CA signed (what an
     * endpoint sends in its chain), and it issues certificates of its own.
     */
    public TestAuthority subordinate(String subordinateName) {
        Path keystore = dir.resolve(subordinateName + ".p12");
        Path request = dir.resolve(subordinateName + ".csr");
        Path signed = dir.resolve(subordinateName + ".crt");
        TestCertificates.keytool("-genkeypair", "-alias", subordinateName, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=" + subordinateName, "-ext", "bc:c", "-keystore", keystore.toString());
        TestCertificates.keytool("-certreq", "-alias", subordinateName, "-file", request.toString(),
                "-keystore", keystore.toString());
        TestCertificates.keytool("-gencert", "-alias", name, "-infile", request.toString(), "-outfile",
                signed.toString(), "-ext", "bc:c", "-startdate", "-1d", "-validity", "30", "-rfc",
                "-keystore", dir.resolve(name + ".p12").toString());
        try (InputStream in = Files.newInputStream(signed)) {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
            return new TestAuthority(dir, subordinateName, certificate, signed);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A new self-signed certificate for this CA's name and key (a renewal: what it signed stays valid under
     * it), valid from {@code startDate} for {@code days} days; written as PEM, and its file returned.
     */
    public Path renewed(String startDate, int days) {
        Path keystore = dir.resolve(name + ".p12");
        TestCertificates.keytool("-selfcert", "-alias", name, "-startdate", startDate, "-validity",
                String.valueOf(days), "-keystore", keystore.toString());
        try {
            X509Certificate renewal = (X509Certificate) TestCertificates.load(keystore).getCertificate(name);
            Path file = dir.resolve(name + "-renewed.crt");
            Files.writeString(file, TestCertificates.pem("CERTIFICATE", renewal.getEncoded()));
            return file;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * This CA's name and key certified by {@code other} (a cross-signature, as public CAs chain to an older
     * root), valid from {@code startDate} for {@code days} days; written as PEM, and its file returned.
     */
    public Path crossSignedBy(TestAuthority other, String startDate, int days) {
        Path request = dir.resolve(name + "-cross.csr");
        Path signed = dir.resolve(name + "-by-" + other.name() + ".crt");
        TestCertificates.keytool("-certreq", "-alias", name, "-file", request.toString(),
                "-keystore", dir.resolve(name + ".p12").toString());
        TestCertificates.keytool("-gencert", "-alias", other.name(), "-infile", request.toString(), "-outfile",
                signed.toString(), "-ext", "bc:c", "-startdate", startDate, "-validity", String.valueOf(days), "-rfc",
                "-keystore", other.dir().resolve(other.name() + ".p12").toString());
        return signed;
    }

    /** A certificate for {@code subjectAltNames} (keytool syntax), signed by this CA, valid from yesterday. */
    public TestCertificates issue(String endpointName, String subjectAltNames) {
        Path keystore = dir.resolve(endpointName + ".p12");
        Path request = dir.resolve(endpointName + ".csr");
        Path signed = dir.resolve(endpointName + ".cer");
        TestCertificates.keytool("-genkeypair", "-alias", endpointName, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + endpointName, "-keystore", keystore.toString());
        TestCertificates.keytool("-certreq", "-alias", endpointName, "-file", request.toString(),
                "-keystore", keystore.toString());
        TestCertificates.keytool("-gencert", "-alias", name, "-infile", request.toString(), "-outfile",
                signed.toString(), "-ext", "SAN=" + subjectAltNames, "-startdate", "-1d", "-validity", "3", "-rfc",
                "-keystore", dir.resolve(name + ".p12").toString());
        try (InputStream in = Files.newInputStream(signed)) {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
            return TestCertificates.fromKeystore(dir, endpointName, keystore, certificate);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
