package dev.rampart.core.config;

import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edges of reading TLS files at load time: a certificate in DER, after text or cut off, an empty trust file, an
 * RSASSA-PSS pair, and traditional keys damaged in each part of their DER, each refused in words and none
 * crashing the load.
 */
class TlsFileEdgesTest extends RejectedConfigSupport {

    private static String upstreamTrusting(Path trust) {
        return """
                rampart {
                  upstreams { app {
                    endpoints = ["https://127.0.0.1:8443"]
                    tls { trust-cert-chain = "%s" }
                  } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(trust);
    }

    @Test
    void anRsassaPssCertificateAndItsKeyAreAPair() {
        Path cert = TestCertificates.openSslFile(dir, "rsa-pss.crt");
        Path key = TestCertificates.openSslFile(dir, "rsa-pss.key");

        ServerTlsConfig tls = ConfigLoader.parse(listener(cert, key), "pss pair").server().tls().orElseThrow();

        assertEquals(key, tls.privateKey(), "signed and verified with the PSS parameters the key needs");
        assertEquals("RSASSA-PSS", PemFiles.privateKey(key).key().getAlgorithm());
    }

    @Test
    void aTrustFileInDerIsReadAsTheJdkReadsIt() throws Exception {
        TestCertificates ca = TestCertificates.generate(dir, "ca", "ca", "dns:ca");
        Path der = Files.write(dir.resolve("ca.der"), ca.certificate().getEncoded());

        Path trust = ConfigLoader.parse(upstreamTrusting(der), "der").upstreams().get("app").tls()
                .trustCertChain().orElseThrow();

        assertEquals(der, trust);
        assertEquals(List.of(ca.certificate()), PemFiles.certificates(der).list());
    }

    @Test
    void anEmptyTrustFileIsRefused() throws Exception {
        Path empty = Files.write(dir.resolve("empty.pem"), new byte[0]);

        List<String> problems = problemsOf(upstreamTrusting(empty));

        assertEquals(List.of("rampart.upstreams.app.tls.trust-cert-chain: no certificate in it (expected PEM:"
                + " -----BEGIN CERTIFICATE-----)" + at(4)), problems);
    }

    @Test
    void aCertificateCutOffAfterTextBeforeItIsOneJavaCannotRead() throws Exception {
        TestCertificates one = TestCertificates.generate(dir, "cut", "localhost", "dns:localhost");
        String pem = Files.readString(one.certChain());
        // openssl pkcs12 writes "Bag Attributes" before each block; here the block lost its end.
        Path cut = Files.writeString(dir.resolve("cut.pem"), "Bag Attributes\n    friendlyName: cut\n"
                + pem.substring(0, pem.length() - 40));

        List<String> problems = problemsOf(listener(cut, one.privateKey()));

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.server.tls.cert-chain: a certificate Java cannot read ("),
                problems.get(0));
    }

    @Test
    void aChainWhoseLastCertificateIsCutOffIsRefusedNotShortened() throws Exception {
        TestCertificates leaf = TestCertificates.generate(dir, "leaf", "localhost", "dns:localhost");
        TestCertificates ca = TestCertificates.generate(dir, "ca", "ca", "dns:ca");
        String caPem = Files.readString(ca.certChain());
        // A rotation caught halfway: the leaf written whole, the intermediate after it not.
        Path chain = Files.writeString(dir.resolve("chain.pem"), Files.readString(leaf.certChain())
                + caPem.substring(0, caPem.length() - 40));
        String cutOff = "a certificate that does not end (no -----END CERTIFICATE----- after its -----BEGIN"
                + " CERTIFICATE-----: is the file cut off?)";

        List<String> asChain = problemsOf(listener(chain, leaf.privateKey()));
        assertEquals(List.of("rampart.server.tls.cert-chain: " + cutOff + at(2)), asChain);
        List<String> asTrust = problemsOf(upstreamTrusting(chain));
        assertEquals(List.of("rampart.upstreams.app.tls.trust-cert-chain: " + cutOff + at(4)), asTrust);
    }

    @Test
    void aCertificateGivenAsThePrivateKeyIsAFileWithNoKeyInIt() {
        TestCertificates one = TestCertificates.generate(dir, "twice", "localhost", "dns:localhost");

        List<String> problems = problemsOf(listener(one.certChain(), one.certChain()));

        assertEquals(List.of("rampart.server.tls.private-key: no private key in it (expected PEM: -----BEGIN PRIVATE"
                + " KEY-----, -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)" + at(2)), problems);
    }

    @Test
    void filesThatBecameUnusableSinceTheCheckAreNamedWhenTheListenerReadsThemAgain() throws Exception {
        TestCertificates one = TestCertificates.generate(dir, "again", "localhost", "dns:localhost");
        TlsConfig files = new TlsConfig(one.certChain(), one.privateKey());
        PemFiles.KeyAndChain read = PemFiles.keyAndChain(files);
        assertEquals(List.of(one.certificate()), read.chain());
        assertEquals("EC", read.key().getAlgorithm());

        String certificate = Files.readString(one.certChain());
        Files.writeString(one.privateKey(), certificate); // a rotation that wrote the certificate twice
        IllegalStateException badKey = assertThrows(IllegalStateException.class, () -> PemFiles.keyAndChain(files));
        assertEquals("cannot load TLS certificate " + one.certChain() + " / key " + one.privateKey()
                + ": no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----, -----BEGIN RSA PRIVATE KEY-----"
                + " or -----BEGIN EC PRIVATE KEY-----)", badKey.getMessage());

        Files.writeString(one.certChain(), "");
        IllegalStateException badBoth = assertThrows(IllegalStateException.class, () -> PemFiles.keyAndChain(files));
        assertEquals("cannot load TLS certificate " + one.certChain() + " / key " + one.privateKey()
                + ": no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)", badBoth.getMessage(),
                "the certificate's problem first");
    }

    @Test
    void aTraditionalEcKeyWithItsPublicKeyBeforeItsCurveIsRead() {
        // SEC1 fixes no order for its optional fields in practice: the JDK reads [1] before [0], and so must the
        // search for the curve, without stopping at the first field that is not it.
        int[] scalar = new int[32];
        java.util.Arrays.fill(scalar, 0x01);
        int[] key = concat(new int[] {0x30, 0x37, 0x02, 0x01, 0x01, 0x04, 0x20}, scalar,
                new int[] {0xA1, 0x04, 0x03, 0x02, 0x00, 0x04},
                new int[] {0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07});

        String problem = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> problemOfKey("EC PRIVATE KEY", key));

        assertNull(problem);
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    /** The problem the key file with these DER bytes in a {@code label} PEM block has. */
    private String problemOfKey(String label, int... der) throws Exception {
        byte[] bytes = new byte[der.length];
        for (int i = 0; i < der.length; i++) {
            bytes[i] = (byte) der[i];
        }
        Path key = Files.writeString(dir.resolve("damaged.key"), "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder().encodeToString(bytes) + "\n-----END " + label + "-----\n",
                StandardCharsets.US_ASCII);
        return PemFiles.privateKey(key).problem();
    }

    @Test
    void aTraditionalRsaKeyDamagedInItsDerIsRefusedInWords() throws Exception {
        String damaged = "a damaged PKCS#1 key: ";
        String unreadable = "not a private key this JVM can read (RSA, EC or EdDSA, in PKCS#1)";
        assertEquals(damaged + "not an RSA private key where DER expected it", problemOfKey("RSA PRIVATE KEY", 0x30));
        assertEquals(damaged + "not an RSA private key where DER expected it",
                problemOfKey("RSA PRIVATE KEY", 0x04, 0x00), "an OCTET STRING, not a SEQUENCE");
        assertEquals(unreadable, problemOfKey("RSA PRIVATE KEY", 0x30, 0x00), "well-formed DER, but no key");
        assertEquals(unreadable, problemOfKey("RSA PRIVATE KEY", 0x30, 0x81, 0x00), "a long-form length");
        assertEquals(unreadable, problemOfKey("RSA PRIVATE KEY", 0x30, 0x83, 0x00, 0x00, 0x00), "a 3-byte length");

        String cannotBeRead = damaged + "a DER length that cannot be read in an RSA private key";
        assertEquals(cannotBeRead, problemOfKey("RSA PRIVATE KEY", 0x30, 0x80), "indefinite, which DER forbids");
        assertEquals(cannotBeRead, problemOfKey("RSA PRIVATE KEY", 0x30, 0x84, 0x00, 0x00, 0x00, 0x00));
        assertEquals(cannotBeRead, problemOfKey("RSA PRIVATE KEY", 0x30, 0x82, 0x01), "cut off in the length");
        assertEquals(damaged + "an RSA private key runs past the end of the key",
                problemOfKey("RSA PRIVATE KEY", 0x30, 0x05, 0x02, 0x01, 0x00));
    }

    @Test
    void aTraditionalEcKeyWithoutItsPrivateValueOrItsCurveIsRefusedInWords() throws Exception {
        assertEquals("a damaged SEC1 key: the EC key does not name its curve (no named-curve parameters)",
                problemOfKey("EC PRIVATE KEY", 0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00), "no optional fields");
        assertEquals("a damaged SEC1 key: the EC key does not name its curve (no named-curve parameters)",
                problemOfKey("EC PRIVATE KEY", 0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x00, 0xA0, 0x00),
                "empty parameters");
        // version, then at once the parameters of prime256v1
        assertEquals("a damaged SEC1 key: not its private value where DER expected it", problemOfKey("EC PRIVATE KEY",
                0x30, 0x0F, 0x02, 0x01, 0x01, 0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07));
    }
}
