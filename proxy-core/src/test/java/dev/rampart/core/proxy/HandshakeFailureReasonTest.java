package dev.rampart.core.proxy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rampart_tls_handshake_failures_total{reason}} over real handshakes with the JDK's TLS client: the
 * reason follows who ended the handshake (an alert the client sent, or the listener's refusal), the alert, and
 * whether the listener asks for client certificates at all, never a word the client can put in a message; and
 * the client's bytes the JDK quotes are escaped in the log line.
 */
class HandshakeFailureReasonTest {

    @TempDir
    static Path dir;
    static TestCertificates listenerCert;
    static TestCertificates otherCert;
    static FakeUpstream upstream;

    @BeforeAll
    static void start() {
        listenerCert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        otherCert = TestCertificates.generate(dir, "other", "other", "dns:other");
        upstream = FakeUpstream.start(UpstreamBehavior.ok("should not be seen"));
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    @Test
    void aClientThatRefusesTheListenersCertificateIsCountedAsRefusingIt() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(listener(""))) {
            // An issuer the client does not know (a private CA it lacks, an intermediate left out): certificate_unknown.
            assertThrows(IOException.class, () -> handshake(proxy,
                    TestCertificates.trustingClientContext(otherCert.certificate()), "TLSv1.3", null));
            // A client whose check finds the certificate expired: certificate_expired.
            CertificateException expired = new CertificateException("expired", new CertPathValidatorException(
                    "validity check failed", null, null, -1, CertPathValidatorException.BasicReason.EXPIRED));
            assertThrows(IOException.class, () -> handshake(proxy, refusing(expired), "TLSv1.2", null));

            Await.until(() -> proxy.observer.handshakeFailures.size() == 2, "both refusals counted");
            assertEquals(List.of("untrusted_listener_certificate", "untrusted_listener_certificate"),
                    proxy.observer.handshakeFailures);
            assertEquals(0, upstream.requests().size());
        }
    }

    @Test
    void anIllegalServerNameWithProtocolInItIsNotANoCommonProtocolFailure() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(listener(""))) {
            assertThrows(IOException.class, () -> handshake(proxy,
                    TestCertificates.trustingClientContext(listenerCert.certificate()), null, "legacy_protocol.internal"));

            Await.until(() -> !proxy.observer.handshakeFailures.isEmpty(), "the refused name counted");
            assertEquals(List.of("other"), proxy.observer.handshakeFailures, "an illegal SNI name: illegal_parameter");
        }
    }

    @Test
    void anIllegalServerNameSayingCertificateRequiredIsNotAMissingClientCertificate() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(listener(", client-auth = required, trust-cert-chain = \""
                + otherCert.certChain() + "\""))) {
            assertThrows(IOException.class, () -> handshake(proxy,
                    TestCertificates.trustingClientContext(listenerCert.certificate()), null, "certificate_required.internal"));

            Await.until(() -> !proxy.observer.handshakeFailures.isEmpty(), "the refused name counted");
            assertEquals(List.of("other"), proxy.observer.handshakeFailures,
                    "refused for its name, before any certificate was asked for");
        }
    }

    @Test
    void aCertificateRequiredAlertFromAClientIsNoMissingClientCertificateOnAListenerWithoutMutualTls() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(listener(""));
             Socket client = new Socket("127.0.0.1", proxy.port())) {
            // A fatal alert record (TLS 1.2 framing, as TLS 1.3 keeps it), certificate_required (116): an alert only
            // a server may send, from a client that aborts its connection with it.
            OutputStream out = client.getOutputStream();
            out.write(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 116});
            out.flush();

            Await.until(() -> !proxy.observer.handshakeFailures.isEmpty(), "the aborted handshake counted");
            assertEquals(List.of("other"), proxy.observer.handshakeFailures, "the listener asked for no certificate");
        }
    }

    @Test
    void aServerNameWithLineBreaksIsEscapedInTheDebugLine() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ClientChannelInitializer.class);
        Level before = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        try (ProxyHarness proxy = ProxyHarness.start(listener(""));
             LogCapture log = LogCapture.start()) {
            assertThrows(IOException.class, () -> handshake(proxy,
                    TestCertificates.trustingClientContext(listenerCert.certificate()), null,
                    "evil\r\n12:00:00.000 ERROR forged line"));

            log.awaitLine("TLS handshake with", "the failed handshake logged");
            List<ILoggingEvent> events = log.events().stream()
                    .filter(e -> e.getFormattedMessage().startsWith("TLS handshake with")).toList();
            assertEquals(1, events.size(), log.dump());
            String written = everythingWritten(events.get(0));
            assertFalse(written.contains("\r") || written.contains("\n"), "raw line breaks from the client: " + written);
            assertTrue(written.contains("name=evil\\x0D\\x0A12:00:00.000 ERROR forged line"), written);
        } finally {
            logger.setLevel(before);
        }
    }

    /** The event's message and every message of its exception chain, as a log appender writes them. */
    private static String everythingWritten(ILoggingEvent event) {
        StringBuilder text = new StringBuilder(event.getFormattedMessage());
        for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
            text.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return text.toString();
    }

    private static String listener(String extra) {
        return ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                + "rampart.server.tls { cert-chain = \"" + listenerCert.certChain() + "\", private-key = \""
                + listenerCert.privateKey() + "\"" + extra + " }\n";
    }

    /** A client context whose check of the server's certificate fails with {@code why}. */
    private static SSLContext refusing(CertificateException why) throws Exception {
        X509TrustManager refusing = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw why;
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {refusing}, null);
        return context;
    }

    /**
     * A handshake with the listener, the client limited to {@code protocol} if given and sending {@code serverName}
     * as its SNI host name as it is (the JDK's {@code SNIHostName} would refuse an illegal one before sending it).
     */
    private static void handshake(ProxyHarness proxy, SSLContext context, String protocol, String serverName)
            throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            if (protocol != null) {
                socket.setEnabledProtocols(new String[] {protocol});
            }
            if (serverName != null) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIServerName(0, serverName.getBytes(StandardCharsets.ISO_8859_1)) {
                }));
                socket.setSSLParameters(parameters);
            }
            socket.startHandshake();
        }
    }
}
