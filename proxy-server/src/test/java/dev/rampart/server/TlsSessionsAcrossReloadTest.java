package dev.rampart.server;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A reload that leaves the listener's TLS as it was (the same settings, the same certificate, key and trusted
 * certificates in its files) keeps the sessions clients resume with, as a reload of a route should; one that
 * rotates the certificate starts new ones, with the new certificate.
 */
class TlsSessionsAcrossReloadTest {

    @TempDir
    Path dir;

    private static final String CONFIG = """
            rampart {
              server { host = "127.0.0.1", port = 0, tls { cert-chain = "%s", private-key = "%s" } }
              admin { port = 0 }
              access-log { enabled = false }
              routes = [ { respond { status = 200, body = "%s" } } ]
            }
            """;

    @Test
    void aReloadOfARouteKeepsTheSessionsClientsResume() throws Exception {
        TestCertificates listener = TestCertificates.generate(dir, "listener", "localhost",
                "dns:localhost,ip:127.0.0.1");
        Path file = dir.resolve("proxy.conf");
        RampartServer server = ConfigFiles.startWith(file,
                CONFIG.formatted(listener.certChain(), listener.privateKey(), "one"));
        try {
            SSLContext client = TestCertificates.trustingClientContext(listener.certificate());
            String session = sessionId(client, server.port());
            assertEquals(session, sessionId(client, server.port()), "a client resumes its session");

            ConfigFiles.replace(file, CONFIG.formatted(listener.certChain(), listener.privateKey(), "two"));
            Await.until(() -> body(listener, server.port()).equals("two"), "the reloaded route served");

            assertEquals(session, sessionId(client, server.port()), "resumed after a reload that left TLS as it was");
        } finally {
            server.shutdown("test");
        }
    }

    @Test
    void aReloadThatRotatesTheCertificateInPlaceStartsNewSessions() throws Exception {
        TestCertificates first = TestCertificates.generate(dir, "first", "localhost", "dns:localhost,ip:127.0.0.1");
        TestCertificates second = TestCertificates.generate(dir, "second", "localhost", "dns:localhost,ip:127.0.0.1");
        Path cert = Files.copy(first.certChain(), dir.resolve("tls.crt"));
        Path key = Files.copy(first.privateKey(), dir.resolve("tls.key"));
        Path file = dir.resolve("proxy.conf");
        RampartServer server = ConfigFiles.startWith(file, CONFIG.formatted(cert, key, "one"));
        try {
            SSLContext trustingBoth = TestCertificates.trustingClientContext(first.certificate(), second.certificate());
            String session = sessionId(trustingBoth, server.port());

            Files.copy(second.certChain(), cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(second.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
            ConfigFiles.replace(file, CONFIG.formatted(cert, key, "two"));
            Await.until(() -> body(second, server.port()).equals("two"), "the rotated certificate served");

            assertNotEquals(session, sessionId(trustingBoth, server.port()), "a session of the old certificate");
        } finally {
            server.shutdown("test");
        }
    }

    /** The id of the TLS 1.2 session a handshake with {@code client}'s context ends with (a resumed one keeps it). */
    private static String sessionId(SSLContext client, int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            return HexFormat.of().formatHex(socket.getSession().getId());
        }
    }

    /** The body of a GET over a new connection that trusts only {@code served}'s certificate; "" when it fails. */
    private static String body(TestCertificates served, int port) {
        try (SSLSocket socket = (SSLSocket) TestCertificates.trustingClientContext(served.certificate())
                .getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.substring(answer.indexOf("\r\n\r\n") + 4);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
