package dev.rampart.server;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A reload reads the listener's certificate and key files again, so a certificate rotated in place (as
 * cert-manager and certbot do) is served to new connections without a restart.
 */
class CertificateRotationTest {

    @TempDir
    Path dir;

    @Test
    void aCertificateReplacedInPlaceIsServedAfterAReload() throws Exception {
        TestCertificates first = TestCertificates.generate(dir, "first", "localhost", "dns:localhost");
        TestCertificates second = TestCertificates.generate(dir, "second", "localhost", "dns:localhost");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(first.certChain(), cert);
        Files.copy(first.privateKey(), key);
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"))) {
            Path file = dir.resolve("proxy.conf");
            String config = """
                    rampart {
                      server { host = "127.0.0.1", port = 0, tls { cert-chain = "%s", private-key = "%s" } }
                      admin { port = 0 }
                      access-log { enabled = false }
                      upstreams { app { endpoints = ["%s"] } }
                      routes = [ { upstream = app } ]
                    }
                    """.formatted(cert, key, upstream.authority());
            Files.writeString(file, config);
            ConfigSource source = ConfigSource.resolve(Optional.of(file));
            RampartServer server = RampartServer.start(source, source.load(), false);
            try {
                assertEquals(first.certificate().getSerialNumber(), servedSerial(server.port()));

                Files.copy(second.certChain(), cert, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(second.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
                Path tmp = dir.resolve("proxy.conf.tmp");
                Files.writeString(tmp, config + "\n# rotated\n");
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

                BigInteger rotated = second.certificate().getSerialNumber();
                Await.until(() -> rotated.equals(servedSerial(server.port())), "the rotated certificate served");
            } finally {
                server.shutdown("test");
            }
        }
    }

    /** The serial number of the certificate a new TLS connection is shown. */
    private static BigInteger servedSerial(int port) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.startHandshake();
                return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
