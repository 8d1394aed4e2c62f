package dev.rampart.core.config;

import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code --check} says of TLS settings that load but fail every handshake, or check less than they seem to. */
class TlsWarningsTest {

    @TempDir
    static Path dir;
    /** Valid from a day ago for three days. */
    static TestCertificates listener;

    @BeforeAll
    static void certificates() {
        listener = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost");
    }

    private static RampartConfig withListenerTls() {
        return ConfigLoader.parse("""
                rampart {
                  server.tls { cert-chain = "%s", private-key = "%s" }
                  upstreams { app { endpoints = ["127.0.0.1:8081"], max-concurrent-requests = 512 } }
                  routes = [ { name = "r", upstream = app } ]
                }
                """.formatted(listener.certChain(), listener.privateKey()), "test.conf", Map.of());
    }

    private static Clock at(Duration fromNow) {
        return Clock.fixed(Instant.now().plus(fromNow), ZoneOffset.UTC);
    }

    @Test
    void aListenerCertificateWithinItsDatesIsNotWarnedOf() {
        assertEquals(List.of(), ConfigWarnings.of(withListenerTls(), at(Duration.ZERO)));
    }

    @Test
    void anExpiredListenerCertificateIsWarnedOfWithItsDate() {
        List<String> warnings = ConfigWarnings.of(withListenerTls(), at(Duration.ofDays(10)));
        assertEquals(1, warnings.size(), warnings.toString());
        String expiry = listener.certificate().getNotAfter().toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
        assertEquals("server.tls.cert-chain (" + listener.certChain() + "): the certificate expired on " + expiry
                + "; clients will refuse every handshake", warnings.get(0));
    }

    @Test
    void aListenerCertificateNotYetValidIsWarnedOf() {
        List<String> warnings = ConfigWarnings.of(withListenerTls(), at(Duration.ofDays(-5)));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("the certificate is not valid before "), warnings.get(0));
    }

    @Test
    void aTrustFileAllOfWhoseCertificatesExpiredIsWarnedOfWhereverItIsNamed() {
        TestCertificates expired = TestCertificates.generateExpired(dir, "old-ca", "old-ca", "dns:old-ca");
        String config = """
                rampart {
                  server.tls { cert-chain = "%1$s", private-key = "%2$s", client-auth = required,
                               trust-cert-chain = "%3$s" }
                  upstreams { app { endpoints = ["https://api.internal:443"], max-concurrent-requests = 512,
                                    tls { trust-cert-chain = "%3$s" } } }
                  routes = [ { name = "r", upstream = app, jwt { jwks-uri = "https://idp.internal/jwks",
                                                                jwks-trust-cert-chain = "%3$s", issuer = i,
                                                                audiences = [a] } } ]
                }
                """;
        String expiry = expired.certificate().getNotAfter().toInstant()
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        String file = " (" + expired.certChain() + "): every certificate in it has expired, the last on " + expiry
                + "; ";
        assertEquals(List.of(
                        "server.tls.trust-cert-chain" + file + "every client certificate will be refused, since none"
                                + " can chain to an expired one",
                        "route \"r\": jwt.jwks-trust-cert-chain" + file + "the key set server's certificate will be"
                                + " refused, since none can chain to an expired one",
                        "upstream \"app\": tls.trust-cert-chain" + file + "every endpoint certificate will be refused,"
                                + " since none can chain to an expired one"),
                ConfigWarnings.of(ConfigLoader.parse(config.formatted(listener.certChain(), listener.privateKey(),
                        expired.certChain()), "t.conf", Map.of()), at(Duration.ZERO)));
        assertEquals(List.of(), ConfigWarnings.of(ConfigLoader.parse(config.formatted(listener.certChain(),
                listener.privateKey(), listener.certChain()), "t.conf", Map.of()), at(Duration.ZERO)),
                "a trust file within its dates");
    }

    @Test
    void hostNamesNotVerifiedForHttpsEndpointsIsWarnedOfAndOnlyThen() {
        String config = """
                rampart {
                  upstreams { app { endpoints = ["%s"], max-concurrent-requests = 512, tls { verify-hostname = false } } }
                  routes = [ { name = "r", upstream = app } ]
                }
                """;
        assertEquals(List.of("upstream \"app\": tls.verify-hostname = false; an endpoint may present a certificate"
                        + " for any name its trusted certificates vouch for"),
                ConfigWarnings.of(ConfigLoader.parse(config.formatted("https://api.internal:443"), "t.conf", Map.of())));
        assertEquals(List.of(PLAIN_ONLY), ConfigWarnings.of(ConfigLoader.parse(config.formatted("api.internal:80"),
                "t.conf", Map.of())), "no https:// endpoint: the setting does nothing, and that is what is said");
    }

    private static final String PLAIN_ONLY = "upstream \"app\": tls settings apply only to https:// endpoints, and"
            + " it has none: its endpoints are reached over plain HTTP (write https://host:port for TLS)";

    @Test
    void tlsSettingsOnAnUpstreamWithoutHttpsEndpointsAreWarnedOf() {
        String config = """
                rampart {
                  upstreams { app { endpoints = [%s], max-concurrent-requests = 512, tls { %s } } }
                  routes = [ { name = "r", upstream = app } ]
                }
                """;
        String trust = "trust-cert-chain = \"" + listener.certChain() + "\"";
        assertEquals(List.of(PLAIN_ONLY), ConfigWarnings.of(ConfigLoader.parse(
                config.formatted("\"backend:8443\"", trust), "t.conf", Map.of())), "a port that sounds like TLS is not");
        assertEquals(List.of(PLAIN_ONLY), ConfigWarnings.of(ConfigLoader.parse(
                config.formatted("\"http://backend:8080\"", "protocols = [TLSv1.3]"), "t.conf", Map.of())));
        assertEquals(List.of(), ConfigWarnings.of(ConfigLoader.parse(
                config.formatted("\"http://a:8080\", \"https://b:8443\"", trust), "t.conf", Map.of())),
                "one https:// endpoint uses them");
        assertEquals(List.of(), ConfigWarnings.of(ConfigLoader.parse(config.formatted("\"a:8080\"", ""), "t.conf",
                Map.of())), "an empty block sets nothing");
    }

    @Test
    void anExpiredUpstreamClientCertificateIsWarnedOfWithItsDate() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["https://api.internal:443"], max-concurrent-requests = 512,
                                    tls { cert-chain = "%s", private-key = "%s" } } }
                  routes = [ { name = "r", upstream = app } ]
                }
                """.formatted(listener.certChain(), listener.privateKey()), "test.conf", Map.of());

        assertEquals(List.of(), ConfigWarnings.of(config, at(Duration.ZERO)), "within its dates");
        String expiry = listener.certificate().getNotAfter().toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
        assertEquals(List.of("upstream \"app\": tls.cert-chain (" + listener.certChain() + "): the certificate expired"
                + " on " + expiry + "; endpoints that ask for it will refuse every handshake"),
                ConfigWarnings.of(config, at(Duration.ofDays(10))));
    }
}
