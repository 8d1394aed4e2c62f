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

    private String listener(Path cert, Path key) {
        return """
                rampart {
                  server { tls { cert-chain = "%s", private-key = "%s" } }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(cert, key);
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
    void aPkcs1KeyIsRefusedWithTheCommandThatConvertsIt() throws Exception {
        TestCertificates one = TestCertificates.generate(dir, "one", "localhost", "dns:localhost");
        Path rsa = Files.writeString(dir.resolve("rsa.key"),
                "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n");

        List<String> problems = problemsOf(listener(one.certChain(), rsa));

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.server.tls.private-key: a PKCS#1 or SEC1 key"), problems.get(0));
        assertTrue(problems.get(0).contains("openssl pkcs8 -topk8 -nocrypt -in " + rsa), problems.get(0));
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
        assertTrue(problems.get(0).startsWith("rampart.upstreams.app.tls.trust-cert-chain: "), problems.get(0));
        assertTrue(problems.get(0).endsWith(at(4)), problems.get(0));
    }
}
