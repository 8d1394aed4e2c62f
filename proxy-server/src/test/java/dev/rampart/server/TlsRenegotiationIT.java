package dev.rampart.server;

import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar refuses a TLS client's renegotiation (each one a full handshake of server CPU for a few
 * client bytes), as nginx does; the setting is the JVM's, so only the process as started shows it.
 */
class TlsRenegotiationIT {

    @TempDir
    Path dir;

    @Test
    void aClientInitiatedRenegotiationIsRefused() throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        Path config = dir.resolve("tls.conf");
        Files.writeString(config, """
                rampart {
                  server { host = "127.0.0.1", port = 0, tls { cert-chain = "%s", private-key = "%s" } }
                  admin { port = 0 }
                  routes = [ { name = ping, respond { status = 200, body = "pong" } } ]
                }
                """.formatted(cert.certChain(), cert.privateKey()));
        try (RampartProcess rampart = RampartProcess.start("--config", config.toString()).awaitListening();
             SSLSocket socket = (SSLSocket) cert.trustingClientContext().getSocketFactory()
                     .createSocket("127.0.0.1", rampart.port())) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"}); // TLS 1.3 has no renegotiation at all
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[12];
            socket.getInputStream().readNBytes(head, 0, head.length);
            assertTrue(new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"), "served before");

            String afterRenegotiation;
            try {
                socket.startHandshake(); // a renegotiation on a TLS 1.2 connection
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                afterRenegotiation = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("neither refused nor answered", e);
            } catch (IOException refused) {
                return; // the server's handshake_failure alert
            }
            assertFalse(afterRenegotiation.contains("HTTP/1.1 200"),
                    "the connection went on after a renegotiation: " + afterRenegotiation);
        }
    }
}
