package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code protocols} and {@code ciphers} of a {@code tls} block, over real handshakes: the listener accepts
 * only the versions and suites named, and an upstream's endpoints are offered only those.
 */
class TlsHandshakeTest {

    @TempDir
    static Path dir;
    static TestCertificates listenerCert;
    static TestCertificates endpointCert;

    @BeforeAll
    static void certificates() {
        listenerCert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        endpointCert = TestCertificates.generate(dir, "endpoint", "localhost", "dns:localhost");
    }

    @Test
    void aListenerLimitedToTls13RefusesATls12ClientAndServesOthersOverTls13() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(listener(upstream, "protocols = [\"TLSv1.3\"]"))) {
            assertThrows(IOException.class, () -> handshake(proxy, "TLSv1.2", null));
            assertEquals("TLSv1.3", handshake(proxy, null, null).getProtocol());
            Await.until(() -> !proxy.observer.handshakeFailures.isEmpty(), "the refused handshake counted");
            assertEquals(List.of("no_common_protocol"), proxy.observer.handshakeFailures);
        }
    }

    @Test
    void connectionsDroppedBeforeTheHandshakeAreCountedApartAndPlainHttpIsNotAHandshakeFailure() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(listener(upstream, "protocols = [\"TLSv1.3\"]"))) {
            try (Socket probe = new Socket("127.0.0.1", proxy.port())) {
                probe.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // a hello begun, then a TCP check's close
            }
            Await.until(() -> !proxy.observer.handshakeFailures.isEmpty(), "the dropped handshake counted");
            assertEquals(List.of("closed"), proxy.observer.handshakeFailures);

            try (Socket plain = new Socket("127.0.0.1", proxy.port())) {
                plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = new String(plain.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            }
            proxy.observer.awaitExchange(1); // logged as the 400 it was
            assertEquals(List.of("closed"), proxy.observer.handshakeFailures, "plain HTTP is answered, not counted");
        }
    }

    @Test
    void aListenerWithCiphersNamedNegotiatesOneOfThem() throws Exception {
        String only = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(listener(upstream,
                     "protocols = [\"TLSv1.2\"], ciphers = [\"" + only + "\"]"))) {
            SSLSession session = handshake(proxy, "TLSv1.2", null);
            assertEquals(only, session.getCipherSuite(), "the client offers all its suites; the listener takes this one");
            assertThrows(IOException.class, () -> handshake(proxy, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
                    "a client offering none of them is refused");
        }
    }

    @Test
    void onlyTls12SuitesWithBothVersionsAllowedSettleOnTls12() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(listener(upstream,
                     "ciphers = [\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\"]"))) {
            SSLSession session = handshake(proxy, null, null);
            assertEquals("TLSv1.2", session.getProtocol(), "the load lets this through: it must work");
            assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", session.getCipherSuite());
        }
    }

    @Test
    void anUpstreamOffersItsEndpointsOnlyTheVersionsNamed() throws Exception {
        io.netty.handler.ssl.SslContext tls13Only = io.netty.handler.ssl.SslContextBuilder
                .forServer(endpointCert.certChain().toFile(), endpointCert.privateKey().toFile())
                .protocols("TLSv1.3").build();
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("over 1.3"), tls13Only);
             ProxyHarness tls12 = ProxyHarness.start(upstreamOffering(upstream.port(), "[\"TLSv1.2\"]"));
             ProxyHarness tls13 = ProxyHarness.start(upstreamOffering(upstream.port(), "[\"TLSv1.3\"]"))) {
            HttpResponse<String> refused = get(tls12);
            assertEquals(502, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("\"UPSTREAM_UNREACHABLE\""), refused.body());
            assertEquals(0, upstream.requests().size());

            HttpResponse<String> served = get(tls13);
            assertEquals(200, served.statusCode(), served.body());
            assertEquals("over 1.3", served.body());
        }
    }

    private static String listener(FakeUpstream upstream, String handshake) {
        return ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                + "rampart.server.tls { cert-chain = \"" + listenerCert.certChain() + "\", private-key = \""
                + listenerCert.privateKey() + "\", " + handshake + " }\n";
    }

    private static String upstreamOffering(int port, String protocols) {
        return ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + port + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + endpointCert.certChain() + "\", protocols = " + protocols
                        + " } }",
                "{ name = default, upstream = app, retry { attempts = 1 } }");
    }

    /** A completed handshake with the listener, the client limited to {@code protocol} and {@code cipher} if given. */
    private static SSLSession handshake(ProxyHarness proxy, String protocol, String cipher) throws IOException {
        try (SSLSocket socket = (SSLSocket) TestCertificates.trustingClientContext(listenerCert.certificate())
                .getSocketFactory().createSocket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            if (protocol != null) {
                socket.setEnabledProtocols(new String[] {protocol});
            }
            if (cipher != null) {
                socket.setEnabledCipherSuites(new String[] {cipher});
            }
            socket.startHandshake();
            return socket.getSession();
        }
    }

    private static HttpResponse<String> get(ProxyHarness proxy) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/v")).build(), HttpResponse.BodyHandlers.ofString());
    }
}
