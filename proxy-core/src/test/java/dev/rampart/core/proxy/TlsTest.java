package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS on both sides: the listener terminates HTTPS ({@code server.tls}); {@code https://} endpoints are
 * checked against {@code upstreams.NAME.tls} (trust-cert-chain, verify-hostname). A handshake the proxy
 * refuses is an envelope, never a blank error. Certificates are made at test time.
 */
class TlsTest {

    @TempDir
    static Path dir;
    /** Names localhost and 127.0.0.1: for the listener. */
    static TestCertificates listenerCert;
    /** Names only localhost: reached as 127.0.0.1 its host name does not match. */
    static TestCertificates upstreamCert;

    @BeforeAll
    static void certificates() {
        listenerCert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        upstreamCert = TestCertificates.generate(dir, "upstream", "localhost", "dns:localhost");
    }

    /** The config lines of a TLS listener with {@link #listenerCert}. */
    private static String listenerTls() {
        return "rampart.server.tls { cert-chain = \"" + listenerCert.certChain() + "\", private-key = \""
                + listenerCert.privateKey() + "\" }\n";
    }

    /** A TLS listener in front of {@code upstream}. */
    private static ProxyHarness tlsProxy(FakeUpstream upstream) {
        return ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "") + listenerTls());
    }

    @Test
    void theListenerServesHttpsAndTellsTheUpstreamTheProtoWasHttps() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("over tls"));
             ProxyHarness proxy = tlsProxy(upstream)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(listenerCert.trustingClientContext()).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxy.port() + "/secure")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("over tls", response.body());
            assertEquals("https", upstream.requests().get(0).header("x-forwarded-proto"));
        }
    }

    @Test
    void aClientOfferingAlpnIsToldHttp11AndOneOfferingOnlyH2GetsNoProtocol() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("over tls"));
             ProxyHarness proxy = tlsProxy(upstream)) {
            assertEquals("http/1.1", negotiated(proxy.port(), "h2", "http/1.1"));
            assertEquals("", negotiated(proxy.port(), "h2"), "no protocol agreed; the handshake goes on");
        }
    }

    /** The protocol ALPN agreed on for a client offering {@code offered}, after a request over it got its 200. */
    private static String negotiated(int port, String... offered) throws Exception {
        try (SSLSocket socket = (SSLSocket) listenerCert.trustingClientContext()
                .getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(offered);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            socket.getOutputStream().write("GET /alpn HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            return socket.getApplicationProtocol();
        }
    }

    @Test
    void theListenerServesWithPkcs1AndSec1KeysAsOpenSslWritesThem() throws Exception {
        for (String[] pair : new String[][] {{"rsa.crt", "rsa-pkcs1.key"}, {"ec.crt", "ec-sec1.key"}}) {
            Path cert = TestCertificates.openSslFile(dir, pair[0]);
            Path key = TestCertificates.openSslFile(dir, pair[1]);
            X509Certificate certificate;
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(cert)) {
                certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("served with " + pair[1]));
                 ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                         + "rampart.server.tls { cert-chain = \"" + cert + "\", private-key = \"" + key + "\" }\n")) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .sslContext(TestCertificates.trustingClientContext(certificate))
                        .connectTimeout(Duration.ofSeconds(5)).build();
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + proxy.port() + "/key")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), pair[1]);
                assertEquals("served with " + pair[1], response.body());
            }
        }
    }

    @Test
    void aClientThatStallsItsHandshakeIsCutAtTheRequestHeaderTimeout() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:9\"", "")
                     + "rampart.server { request-header-timeout = 500ms, tls { cert-chain = \"" + listenerCert.certChain()
                     + "\", private-key = \"" + listenerCert.privateKey() + "\" } }\n");
             java.net.Socket silent = new java.net.Socket("127.0.0.1", proxy.port())) {
            silent.setSoTimeout(8_000); // Netty's own handshake timeout is 10 s
            long start = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read(), "closed without a byte: no handshake ever began");
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            // Held for Netty's own 10 s, the read would fail at 8 s; the 500 ms timeout leaves a loaded machine room.
            assertTrue(millis < 6_000, "a silent TLS client is held as long as a silent plain one: " + millis + " ms");
        }
    }

    @Test
    void aPlainHttpRequestToTheTlsListenerIsAnsweredWith400AndLogged() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("never over plain http"));
             ProxyHarness proxy = tlsProxy(upstream);
             RawHttp raw = proxy.raw()) {
            // nginx: 400 "The plain HTTP request was sent to HTTPS port"; before, the connection closed without a word.
            RawHttp.Response response = raw.send("GET /plain HTTP/1.1\r\nHost: test\r\n\r\n").read();
            assertEquals(400, response.status());
            assertEquals("BAD_REQUEST", Envelope.parse(response.text()).reason());
            assertEquals("close", response.header("connection"));
            assertTrue(raw.closedByPeer(), "the connection is not kept for another plain request");
            ExchangeRecord record = proxy.observer.awaitExchange(1);
            assertEquals(400, record.status());
            assertEquals("BAD_REQUEST", record.reason());
            assertEquals(0, upstream.requests().size());
        }
    }

    @Test
    void aClientSendingOnlyEmptyLinesToTheTlsListenerIsNotHeldForTheIdleTimeout() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:9\"", "")
                     + "rampart.server { request-header-timeout = 500ms, idle-timeout = 30s }\n"
                     + listenerTls());
             java.net.Socket client = new java.net.Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            long start = System.nanoTime();
            // Not TLS, so the handshake's timeout is gone; and empty lines start no request head, nor its timer.
            client.getOutputStream().write("\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, client.getInputStream().read(), "closed without a byte");
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis < 5_000, "held " + millis + " ms: bounded by the head timeout, not the 30 s idle one");
        }
    }

    @Test
    void anSslV2CompatibleHelloIsLeftToTheTlsHandlerNotAnsweredAsHttp() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:9\"", "") + listenerTls());
             java.net.Socket client = new java.net.Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            // An SSLv2-format ClientHello offering TLS 1.2 (as old clients send): a two-byte record header with
            // the high bit set, then message type 1, the version, the lengths, one cipher and a 16-byte challenge.
            byte[] hello = new byte[30];
            byte[] head = {(byte) 0x80, 28, 1, 3, 3, 0, 3, 0, 0, 0, 16, 0, 0, 0x2f};
            System.arraycopy(head, 0, hello, 0, head.length);
            client.getOutputStream().write(hello);
            byte[] answer = client.getInputStream().readAllBytes();
            assertTrue(answer.length == 0 || answer[0] == 0x15, "a TLS alert or a close, not an HTTP answer: "
                    + new String(answer, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aConnectionWhoseHandshakeFailedIsClosedAtOnceOnEveryTransport(String transport) throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:9\"", "") + listenerTls(),
                dev.rampart.core.testing.Transports.named(transport));
             java.net.Socket client = new java.net.Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            long start = System.nanoTime();
            // An SSLv2-format hello (as in the test above), which Java's TLS refuses: the handshake fails on the
            // first bytes. The client then waits; on io_uring the TLS handler's read after its close kept the
            // connection open until the client left.
            byte[] hello = new byte[30];
            byte[] head = {(byte) 0x80, 28, 1, 3, 3, 0, 3, 0, 0, 0, 16, 0, 0, 0x2f};
            System.arraycopy(head, 0, hello, 0, head.length);
            client.getOutputStream().write(hello);
            byte[] answer = client.getInputStream().readAllBytes();
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(answer.length == 0 || answer[0] == 0x15, "a TLS alert or a close");
            assertTrue(millis < 5_000, "closed after " + millis + " ms");
        }
    }

    @Test
    void anHttpsEndpointWithATrustedCertificateNamingItsHostIsReached() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("secure upstream"),
                upstreamCert.serverContext());
             ProxyHarness proxy = ProxyHarness.start(httpsUpstream("localhost", upstream.port(), ""))) {
            HttpResponse<String> response = get(proxy);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("secure upstream", response.body());
            assertEquals(1, upstream.requests().size());
            // A name without a dot (a Compose service, localhost) is indicated too: the JDK leaves those out
            // unless told, and an upstream that picks its certificate by name would serve the wrong one.
            assertEquals(List.of("localhost"), upstream.serverNamesIndicated());
        }
    }

    @Test
    void anEndpointThatWarnsOfTheServerNameIsConnectedToWithoutOneForAWhile() throws Exception {
        // Apache httpd warns (unrecognized_name) of a name none of its virtual hosts has, then serves its
        // default one; Java ends the handshake on the warning. The stand-in warns of every hello naming
        // localhost and passes any other on to the real endpoint.
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("default host"),
                upstreamCert.serverContext());
             WarnsOfServerName apache = new WarnsOfServerName("localhost", upstream.port());
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"https://localhost:" + apache.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                             + "      tls { trust-cert-chain = \"" + upstreamCert.certChain() + "\" } }",
                     "{ name = default, upstream = app, retry { attempts = 2 } }"))) {
            HttpResponse<String> response = get(proxy);
            assertEquals(200, response.statusCode(), "the retry connects without a server name: " + response.body());
            assertEquals("default host", response.body());
            assertEquals(1, apache.warned(), "one hello with the name, warned of");
            assertEquals(List.of(""), upstream.serverNamesIndicated(), "completed handshakes: none with a name");
        }
    }

    @Test
    void aCertificateThatDoesNotNameTheHostIsRefusedWithAnEnvelope() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("should not be seen"),
                upstreamCert.serverContext());
             ProxyHarness proxy = ProxyHarness.start(httpsUpstream("127.0.0.1", upstream.port(), ""))) {
            HttpResponse<String> response = get(proxy);
            assertTlsRefused(response);
            assertEquals(0, upstream.requests().size(), "no request crosses a connection that failed verification");
        }
    }

    @Test
    void verifyHostnameFalseAcceptsATrustedCertificateForAnotherName() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("name not checked"),
                upstreamCert.serverContext());
             ProxyHarness proxy = ProxyHarness.start(httpsUpstream("127.0.0.1", upstream.port(),
                     "verify-hostname = false"))) {
            HttpResponse<String> response = get(proxy);
            assertEquals(200, response.statusCode(), "verify-hostname = false must be honoured: " + response.body());
            assertEquals("name not checked", response.body());
            assertEquals(List.of(""), upstream.serverNamesIndicated(), "RFC 6066 §3: no address as a server name");
        }
    }

    @Test
    void anUntrustedCertificateIsRefusedWithAnEnvelopeEvenWithoutHostnameVerification() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("should not be seen"),
                upstreamCert.serverContext());
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"https://localhost:" + upstream.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                             + "      tls { trust-cert-chain = \"" + listenerCert.certChain() + "\", verify-hostname = false } }",
                     "{ name = default, upstream = app, retry { attempts = 1 } }"))) {
            HttpResponse<String> response = get(proxy);
            assertTlsRefused(response);
            assertEquals(0, upstream.requests().size());
        }
    }

    @Test
    void anExpiredSelfSignedCertificateIsRefusedEvenThoughItIsItsOwnTrustAnchor() throws Exception {
        TestCertificates expired = TestCertificates.generateExpired(dir, "expired", "localhost", "dns:localhost");
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("should not be seen"),
                expired.serverContext());
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"https://localhost:" + upstream.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                             + "      tls { trust-cert-chain = \"" + expired.certChain() + "\" } }",
                     "{ name = default, upstream = app, retry { attempts = 1 } }"))) {
            HttpResponse<String> response = get(proxy);
            assertTlsRefused(response);
            assertEquals(0, upstream.requests().size(), "the JDK alone does not check an anchor's dates");
        }
    }

    /**
     * A reload that finds an upstream's trust file changed retires the connections checked against the old one (a
     * CA pulled because it leaked must not go on vouching for open connections); one that finds it as it was keeps
     * them.
     */
    @Test
    void pooledConnectionsCheckedAgainstATrustFileThatChangedAreNotReused() throws Exception {
        Path trust = dir.resolve("pulled-trust.pem");
        java.nio.file.Files.copy(upstreamCert.certChain(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (FakeUpstream secure = FakeUpstream.startTls(UpstreamBehavior.ok("trusted"), upstreamCert.serverContext())) {
            String hocon = ProxyHarness.config(
                    "app { endpoints = [\"https://localhost:" + secure.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                            + "      tls { trust-cert-chain = \"" + trust + "\" } }",
                    "{ name = default, upstream = app, retry { attempts = 1 } }");
            try (ProxyHarness proxy = ProxyHarness.start(hocon)) {
                assertEquals(200, get(proxy).statusCode());
                proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(hocon, "test.conf"));
                assertEquals(200, get(proxy).statusCode());
                assertEquals(secure.requests().get(0).connectionId(), secure.requests().get(1).connectionId(),
                        "the trust file as it was: the pooled connection is kept");

                java.nio.file.Files.copy(listenerCert.certChain(), trust,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(hocon, "test.conf"));
                assertTlsRefused(get(proxy));
                assertEquals(2, secure.requests().size(), "no request went over the connection the old file vouched for");
            }
        }
    }

    @Test
    void aTrustFileReplacedInPlaceIsReadAgainOnReload() throws Exception {
        Path trust = dir.resolve("rotated-trust.pem");
        java.nio.file.Files.copy(listenerCert.certChain(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (FakeUpstream secure = FakeUpstream.startTls(UpstreamBehavior.ok("after rotation"),
                     upstreamCert.serverContext())) {
            String hocon = ProxyHarness.config(
                    "app { endpoints = [\"https://localhost:" + secure.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                            + "      tls { trust-cert-chain = \"" + trust + "\" } }",
                    "{ name = default, upstream = app, retry { attempts = 1 } }");
            try (ProxyHarness proxy = ProxyHarness.start(hocon)) {
                assertTlsRefused(get(proxy));

                java.nio.file.Files.copy(upstreamCert.certChain(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(hocon, "test.conf"));
                HttpResponse<String> response = get(proxy);

                assertEquals(200, response.statusCode(), "the new trust file is used: " + response.body());
                assertEquals("after rotation", response.body());
            }
        }
    }

    @Test
    void anEndpointThatNeverAnswersTheHandshakeFailsAsAConnectTimeout() throws Exception {
        // Accepted by the kernel (backlog) and never read: the TCP connect succeeds, the handshake hangs.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"https://localhost:" + silent.getLocalPort() + "\"], connect-timeout = 300ms\n"
                             + "      tls { trust-cert-chain = \"" + upstreamCert.certChain() + "\" } }",
                     "{ name = default, upstream = app, timeout = 20s, retry { attempts = 2, per-try-timeout = 10s,"
                             + " backoff { initial = 1ms, max = 2ms } } }"))) {
            long start = System.nanoTime();
            HttpResponse<String> response = get(proxy);
            long tookMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();

            assertEquals(504, response.statusCode(), response.body());
            assertTrue(response.body().contains("\"UPSTREAM_CONNECT_TIMEOUT\""), response.body());
            assertTrue(response.body().contains("\"attempts\":\"2\""), "retried like a connect timeout: " + response.body());
            assertTrue(tookMillis < 5_000, "two handshakes of at most connect-timeout each, not Netty's 10 s: "
                    + tookMillis + " ms");
        }
    }

    private static String httpsUpstream(String host, int port, String tlsExtras) {
        return ProxyHarness.config(
                "app { endpoints = [\"https://" + host + ":" + port + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + upstreamCert.certChain() + "\"\n" + tlsExtras + " } }",
                "{ name = default, upstream = app, retry { attempts = 1 } }");
    }

    private static HttpResponse<String> get(ProxyHarness proxy) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/tls")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertTlsRefused(HttpResponse<String> response) {
        assertEquals(502, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(null));
        Envelope envelope = Envelope.parse(response.body());
        assertEquals(502, envelope.code());
        assertEquals("UPSTREAM_UNREACHABLE", envelope.reason());
        assertEquals(response.headers().firstValue("x-request-id").orElse(null), envelope.requestId());
        assertEquals("1", envelope.metadata().get("attempts"));
        assertTrue(!envelope.message().toLowerCase().contains("certificate"), "no internals in the message");
    }
}
