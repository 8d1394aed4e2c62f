package dev.rampart.core.config;

import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS files are read when the config is loaded: a key of another certificate, a key in a format that
 * cannot be read, or a trust file that holds no certificate fail {@code --check}, the start and a reload,
 * instead of every handshake afterwards.
 */
class TlsFilesValidationTest extends RejectedConfigSupport {

    /** The private key of a listener config with this pair, which loads without a problem. */
    private Path acceptedKey(Path cert, Path key) {
        return ConfigLoader.parse(listener(cert, key), "accepted pair").server().tls().orElseThrow().privateKey();
    }

    @Test
    void aKeyThatBelongsToAnotherCertificateIsRefused() {
        TestCertificates one = TestCertificates.generate(dir, "one", "localhost", "dns:localhost");
        TestCertificates other = TestCertificates.generate(dir, "other", "localhost", "dns:localhost");

        List<String> problems = problemsOf(listener(one.certChain(), other.privateKey()));

        assertEquals(List.of("rampart.server.tls.private-key: does not belong to the first certificate of cert-chain ("
                + one.certChain() + ")" + at(2)), problems);
        assertEquals(one.certChain().toString(),
                ConfigLoader.parse(listener(one.certChain(), one.privateKey()), "matching pair").server().tls()
                        .orElseThrow().certChain().toString(), "the matching key is accepted");
    }

    @Test
    void pkcs1AndSec1KeysAsOpenSslWritesThemAreAccepted() {
        Path rsaCert = TestCertificates.openSslFile(dir, "rsa.crt");
        Path rsaKey = TestCertificates.openSslFile(dir, "rsa-pkcs1.key");
        Path ecCert = TestCertificates.openSslFile(dir, "ec.crt");
        Path ecKey = TestCertificates.openSslFile(dir, "ec-sec1.key"); // an EC PARAMETERS block comes first

        assertEquals(rsaKey, acceptedKey(rsaCert, rsaKey), "BEGIN RSA PRIVATE KEY");
        assertEquals(ecKey, acceptedKey(ecCert, ecKey), "BEGIN EC PRIVATE KEY");
        assertEquals("RSA", PemFiles.privateKey(rsaKey).key().getAlgorithm());
        assertEquals("EC", PemFiles.privateKey(ecKey).key().getAlgorithm());
    }

    @Test
    void aTraditionalKeyIsStillCheckedAgainstTheCertificate() {
        Path rsaCert = TestCertificates.openSslFile(dir, "rsa.crt");
        Path ecKey = TestCertificates.openSslFile(dir, "ec-sec1.key");

        List<String> problems = problemsOf(listener(rsaCert, ecKey));

        assertEquals(List.of("rampart.server.tls.private-key: does not belong to the first certificate of cert-chain ("
                + rsaCert + ")" + at(2)), problems);
    }

    @Test
    void anEncryptedTraditionalKeyIsRefusedWithTheCommandThatDecryptsIt() {
        Path rsaCert = TestCertificates.openSslFile(dir, "rsa.crt");
        Path encrypted = TestCertificates.openSslFile(dir, "rsa-enc.key"); // Proc-Type: 4,ENCRYPTED

        List<String> problems = problemsOf(listener(rsaCert, encrypted));

        assertEquals(List.of("rampart.server.tls.private-key: an encrypted key; expected an unencrypted one: decrypt"
                + " it with openssl pkey -in " + encrypted + " -out key.pem" + at(2)), problems);
    }

    @Test
    void aDamagedOrUnnamedCurveTraditionalKeyIsRefusedInWords() throws Exception {
        TestCertificates one = TestCertificates.generate(dir, "one", "localhost", "dns:localhost");
        Path truncated = Files.writeString(dir.resolve("rsa.key"),
                "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n");
        Path explicitCurve = TestCertificates.openSslFile(dir, "ec-explicit.key");

        List<String> damaged = problemsOf(listener(one.certChain(), truncated));
        assertEquals(List.of("rampart.server.tls.private-key: a damaged PKCS#1 key: an RSA private key runs past the"
                + " end of the key" + at(2)), damaged);
        List<String> unnamed = problemsOf(listener(one.certChain(), explicitCurve));
        assertEquals(List.of("rampart.server.tls.private-key: a damaged SEC1 key: the EC key does not name its curve"
                + " (no named-curve parameters)" + at(2)), unnamed);
    }

    @Test
    void oneFileHoldingTheCertificateAndTheKeyServesAsBoth() throws Exception {
        Path both = dir.resolve("both.pem");
        Files.writeString(both, Files.readString(TestCertificates.openSslFile(dir, "rsa.crt"))
                + Files.readString(TestCertificates.openSslFile(dir, "rsa-pkcs1.key")));

        ServerTlsConfig tls = ConfigLoader.parse(listener(both, both), "both").server().tls().orElseThrow();

        assertEquals(both, tls.certChain(), "nginx reads a certificate and its key from one file too");
        assertEquals(1, PemFiles.certificates(both).list().size());
    }

    @Test
    void textOutsideThePemBlocksMayBeAnyBytes() throws Exception {
        // openssl ignores what stands before and after a block; people note where a key came from there.
        Path key = dir.resolve("annotated.key");
        Files.write(key, ("Schlüssel für den Prüfstand — ausgestellt 2026\n"
                + Files.readString(TestCertificates.openSslFile(dir, "rsa-pkcs1.key"))
                + "Ende · fin\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Path cert = TestCertificates.openSslFile(dir, "rsa.crt");

        assertEquals(key, acceptedKey(cert, key));
        assertEquals("RSA", PemFiles.privateKey(key).key().getAlgorithm());
    }

    @Test
    void aKeyOnACurveTheJvmCannotSignWithIsNotCalledAnotherCertificatesKey() {
        Path cert = TestCertificates.openSslFile(dir, "secp256k1.crt");
        Path key = TestCertificates.openSslFile(dir, "secp256k1.key");

        List<String> problems = problemsOf(listener(cert, key));

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.server.tls.private-key: a key this JVM cannot sign with (EC: "),
                problems.get(0));
    }

    @Test
    void aCertChainAndAPrivateKeyGivenTheWrongWayRoundAreNamedSo() {
        TestCertificates one = TestCertificates.generate(dir, "swapped", "localhost", "dns:localhost");

        List<String> problems = problemsOf(listener(one.privateKey(), one.certChain()));

        assertTrue(problems.get(0).startsWith("rampart.server.tls.cert-chain: no certificate in it, only a private key"
                + " (a key file given where a certificate file goes?)"), problems.toString());
    }

    @Test
    void aTruncatedCertificateFollowedByAKeyIsACertificateThatCannotBeReadNotAKeyFile() throws Exception {
        TestCertificates one = TestCertificates.generate(dir, "truncated", "localhost", "dns:localhost");
        String pem = Files.readString(one.certChain());
        Path truncated = Files.writeString(dir.resolve("truncated.pem"),
                pem.substring(0, pem.length() - 30) + Files.readString(one.privateKey()));

        List<String> problems = problemsOf(listener(truncated, one.privateKey()));

        assertTrue(problems.get(0).startsWith("rampart.server.tls.cert-chain: a certificate Java cannot read ("),
                problems.toString());
    }

    @Test
    void aTrustFileWithoutACertificateIsRefused() throws Exception {
        Path notPem = Files.writeString(dir.resolve("trust.pem"), "this is not a certificate\n");

        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app {
                    endpoints = ["https://127.0.0.1:8443"]
                    tls { trust-cert-chain = "%s" }
                  } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(notPem));

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.upstreams.app.tls.trust-cert-chain: no certificate in it"
                + " (expected PEM: -----BEGIN CERTIFICATE-----)"), problems.get(0));
        assertTrue(problems.get(0).endsWith(at(4)), problems.get(0));
    }

    private static String upstreamClientCertificate(String tlsKeys) {
        return """
                rampart {
                  upstreams { app {
                    endpoints = ["https://127.0.0.1:8443"]
                    tls { %s }
                  } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(tlsKeys);
    }

    @Test
    void anUpstreamClientCertificateNeedsItsKeyAndTheKeyMustBeItsOwn() {
        TestCertificates client = TestCertificates.generate(dir, "client", "rampart", "dns:rampart");
        TestCertificates other = TestCertificates.generate(dir, "other-client", "rampart", "dns:rampart");

        List<String> noKey = problemsOf(upstreamClientCertificate("cert-chain = \"" + client.certChain() + "\""));
        assertEquals(List.of("rampart.upstreams.app.tls.private-key: missing (expected the path of a PEM file)"
                + at(4)), noKey);
        List<String> noChain = problemsOf(upstreamClientCertificate("private-key = \"" + client.privateKey() + "\""));
        assertEquals(List.of("rampart.upstreams.app.tls.cert-chain: missing (expected the path of a PEM file)"
                + at(4)), noChain);
        List<String> otherKey = problemsOf(upstreamClientCertificate("cert-chain = \"" + client.certChain()
                + "\", private-key = \"" + other.privateKey() + "\""));
        assertEquals(List.of("rampart.upstreams.app.tls.private-key: does not belong to the first certificate of"
                + " cert-chain (" + client.certChain() + ")" + at(4)), otherKey);

        UpstreamTlsConfig accepted = ConfigLoader.parse(upstreamClientCertificate("cert-chain = \""
                + client.certChain() + "\", private-key = \"" + client.privateKey() + "\""), "pair")
                .upstreams().get("app").tls();
        assertEquals(new TlsConfig(client.certChain(), client.privateKey()), accepted.clientCertificate().orElseThrow());
        assertTrue(ConfigLoader.parse(upstreamClientCertificate(""), "none").upstreams().get("app").tls()
                .clientCertificate().isEmpty(), "no client certificate unless both are given");
    }

    private String listenerAsking(Path cert, Path key, String clientKeys) {
        return """
                rampart {
                  server { tls { cert-chain = "%s", private-key = "%s"
                                 %s } }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(cert, key, clientKeys);
    }

    @Test
    void clientAuthAndItsTrustFileComeTogether() {
        TestCertificates one = TestCertificates.generate(dir, "asking", "localhost", "dns:localhost");
        Path cert = one.certChain();
        Path key = one.privateKey();

        List<String> noTrust = problemsOf(listenerAsking(cert, key, "client-auth = required"));
        assertEquals(List.of("rampart.server.tls.trust-cert-chain: missing (client-auth = required needs the PEM file"
                + " of the certificates that client certificates must chain to)" + at(2)), noTrust);
        List<String> trustAlone = problemsOf(listenerAsking(cert, key, "trust-cert-chain = \"" + cert + "\""));
        assertEquals(List.of("rampart.server.tls.trust-cert-chain: clients are not asked for a certificate"
                + " (client-auth = none); set client-auth = optional or required, or remove trust-cert-chain"
                + at(3)), trustAlone);
        List<String> nginxWord = problemsOf(listenerAsking(cert, key, "client-auth = on, trust-cert-chain = \""
                + cert + "\""));
        assertEquals(1, nginxWord.size(), nginxWord.toString());
        assertTrue(nginxWord.get(0).startsWith("rampart.server.tls.client-auth: expected one of none, optional,"
                + " required"), nginxWord.get(0));

        ServerTlsConfig optional = ConfigLoader.parse(listenerAsking(cert, key, "client-auth = optional,"
                + " trust-cert-chain = \"" + cert + "\""), "asking").server().tls().orElseThrow();
        assertEquals(ServerTlsConfig.ClientAuth.OPTIONAL, optional.clientAuth());
        assertEquals(cert, optional.trustCertChain().orElseThrow());
        assertEquals(ServerTlsConfig.ClientAuth.NONE, ConfigLoader.parse(listener(cert, key), "one-way").server().tls()
                .orElseThrow().clientAuth());
    }

    @Test
    void protocolsAndCiphersMustBeOnesThisJvmCanUse() {
        TestCertificates one = TestCertificates.generate(dir, "versions", "localhost", "dns:localhost");

        List<String> old = problemsOf(listenerAsking(one.certChain(), one.privateKey(), "protocols = [\"TLSv1\"]"));
        assertEquals(1, old.size(), old.toString());
        assertTrue(old.get(0).startsWith("rampart.server.tls.protocols[0]: expected one of TLSv1.3, TLSv1.2 (the TLS"
                + " versions this JVM enables; older ones are disabled by its java.security), got \"TLSv1\""), old.get(0));
        List<String> openSslName = problemsOf(upstreamClientCertificate("ciphers = [\"ECDHE-RSA-AES128-GCM-SHA256\"]"));
        assertEquals(1, openSslName.size(), openSslName.toString());
        assertTrue(openSslName.get(0).startsWith("rampart.upstreams.app.tls.ciphers[0]: expected a cipher suite by its"
                + " JSSE (IANA) name"), openSslName.get(0));
        List<String> disabled = problemsOf(upstreamClientCertificate("ciphers = [TLS_RSA_WITH_NULL_SHA256]"));
        assertTrue(disabled.get(0).startsWith("rampart.upstreams.app.tls.ciphers[0]: expected a cipher suite this JVM"
                + " enables; it does not know this one, or disables it"), disabled.toString());
        List<String> lowerCase = problemsOf(upstreamClientCertificate("ciphers = [tls_aes_128_gcm_sha256]"));
        assertTrue(lowerCase.get(0).startsWith("rampart.upstreams.app.tls.ciphers[0]: expected TLS_AES_128_GCM_SHA256"
                + " (cipher suite names are upper case)"), lowerCase.toString());
        List<String> signal = problemsOf(upstreamClientCertificate("ciphers = [TLS_EMPTY_RENEGOTIATION_INFO_SCSV]"));
        assertTrue(signal.get(0).startsWith("rampart.upstreams.app.tls.ciphers[0]: expected a cipher suite, not a"
                + " signalling value"), signal.toString());
        // nginx's ssl_protocols TLSv1.3 with TLS 1.2 ciphers works (OpenSSL keeps TLS 1.3's suites apart); here it
        // would fail every handshake.
        List<String> mismatched = problemsOf(upstreamClientCertificate("protocols = [TLSv1.3],"
                + " ciphers = [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]"));
        assertEquals(1, mismatched.size(), mismatched.toString());
        assertTrue(mismatched.get(0).startsWith("rampart.upstreams.app.tls.ciphers: none of these cipher suites can be"
                + " used with TLSv1.3, so no handshake could succeed"), mismatched.get(0));
        assertTrue(ConfigLoader.parse(upstreamClientCertificate("ciphers = [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]"),
                "1.2 suites, both versions").upstreams().get("app").tls().handshake().protocols().isEmpty(),
                "TLS 1.2 suites alone are fine while TLS 1.2 is allowed: handshakes settle on it");
        List<String> none = problemsOf(upstreamClientCertificate("protocols = []"));
        assertEquals(List.of("rampart.upstreams.app.tls.protocols: an empty list: no handshake could succeed (leave"
                + " the key out for the JVM's defaults)" + at(4)), none);

        TlsHandshakeConfig accepted = ConfigLoader.parse(upstreamClientCertificate("protocols = [TLSv1.3],"
                + " ciphers = [TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256]"), "accepted").upstreams().get("app")
                .tls().handshake();
        assertEquals(new TlsHandshakeConfig(List.of("TLSv1.3"), List.of("TLS_AES_256_GCM_SHA384",
                "TLS_AES_128_GCM_SHA256")), accepted);
        assertEquals(TlsHandshakeConfig.DEFAULT, ConfigLoader.parse(listener(one.certChain(), one.privateKey()),
                "defaults").server().tls().orElseThrow().handshake());
    }

    @Test
    void listenerCiphersNoneOfWhichSuitsTheCertificatesKeyAreRefused() {
        TestCertificates ec = TestCertificates.generate(dir, "ec-listener", "localhost", "dns:localhost"); // EC key
        Path rsaCert = TestCertificates.openSslFile(dir, "rsa.crt");
        Path rsaKey = TestCertificates.openSslFile(dir, "rsa-pkcs1.key");

        List<String> rsaSuitesOnEc = problemsOf(listenerAsking(ec.certChain(), ec.privateKey(),
                "protocols = [TLSv1.2], ciphers = [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]"));
        assertEquals(1, rsaSuitesOnEc.size(), rsaSuitesOnEc.toString());
        assertTrue(rsaSuitesOnEc.get(0).startsWith("rampart.server.tls.ciphers: none of these cipher suites can be"
                + " served with the certificate's EC key"), rsaSuitesOnEc.get(0));
        List<String> ecdsaOnRsa = problemsOf(listenerAsking(rsaCert, rsaKey,
                "ciphers = [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]"));
        assertTrue(ecdsaOnRsa.get(0).contains("served with the certificate's RSA key"), ecdsaOnRsa.toString());

        assertEquals(List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
                ConfigLoader.parse(listenerAsking(rsaCert, rsaKey,
                        "ciphers = [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]"), "one fits")
                        .server().tls().orElseThrow().handshake().ciphers(), "a TLS 1.3 suite takes any key");
    }
}
