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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A reload reads the listener's certificate and key files again, so a certificate rotated in place (as
 * cert-manager and certbot do) is served to new connections without a restart; its client-certificate
 * settings are taken up the same way.
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
            RampartServer server = ConfigFiles.startWith(file, config);
            try {
                assertEquals(first.certificate().getSerialNumber(), servedSerial(server.port()));

                Files.copy(second.certChain(), cert, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(second.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
                ConfigFiles.replace(file, config + "\n# rotated\n");

                BigInteger rotated = second.certificate().getSerialNumber();
                Await.until(() -> rotated.equals(servedSerial(server.port())), "the rotated certificate served");
            } finally {
                server.shutdown("test");
            }
        }
    }

    @Test
    void clientCertificatesRequiredByAReloadAreAskedOfNewConnections() throws Exception {
        TestCertificates listener = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        TestCertificates client = TestCertificates.generate(dir, "client", "orders", "dns:orders");
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"))) {
            Path file = dir.resolve("proxy.conf");
            String config = """
                    rampart {
                      server { host = "127.0.0.1", port = 0, tls { cert-chain = "%s", private-key = "%s" %s } }
                      admin { port = 0 }
                      access-log { enabled = false }
                      upstreams { app { endpoints = ["%s"] } }
                      routes = [ { upstream = app } ]
                    }
                    """;
            RampartServer server = ConfigFiles.startWith(file, config.formatted(listener.certChain(),
                    listener.privateKey(), "",
                    upstream.authority()));
            try {
                SSLContext anonymous = TestCertificates.trustingClientContext(listener.certificate());
                SSLContext presenting = client.presentingClientContext(listener.certificate());
                assertEquals(200, status(anonymous, server.port()), "one-way TLS: no certificate asked for");
                SSLSocket keptAlive = (SSLSocket) anonymous.getSocketFactory().createSocket("127.0.0.1", server.port());
                keptAlive.setSoTimeout(10_000);
                keptAlive.getOutputStream().write(GET);
                java.io.InputStream replies = keptAlive.getInputStream();
                byte[] first = new byte[12];
                assertEquals(12, replies.readNBytes(first, 0, 12));
                assertEquals("HTTP/1.1 200", new String(first, java.nio.charset.StandardCharsets.ISO_8859_1));

                ConfigFiles.replace(file, config.formatted(listener.certChain(), listener.privateKey(),
                        ", client-auth = required, trust-cert-chain = \"" + client.certChain() + "\"",
                        upstream.authority()));

                Await.until(() -> status(anonymous, server.port()) == -1, "a client without a certificate refused");
                assertEquals(200, status(presenting, server.port()), "a trusted certificate admitted");
                // The connection made before the reload, never verified, is closed (it was idle), not served.
                try (keptAlive) {
                    keptAlive.getOutputStream().write(GET);
                    String rest = new String(replies.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertEquals(-1, rest.indexOf("HTTP/1.1 200", 10), "no second answer on it: " + rest);
                } catch (java.net.SocketException closed) {
                    // closed before the second request could be written: as good
                }
            } finally {
                server.shutdown("test");
            }
        }
    }

    @Test
    void aReloadThatVerifiesClientsAsBeforeKeepsTheirConnections() throws Exception {
        TestCertificates first = TestCertificates.generate(dir, "first", "localhost", "dns:localhost,ip:127.0.0.1");
        TestCertificates second = TestCertificates.generate(dir, "second", "localhost", "dns:localhost,ip:127.0.0.1");
        TestCertificates client = TestCertificates.generate(dir, "client", "orders", "dns:orders");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(first.certChain(), cert);
        Files.copy(first.privateKey(), key);
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"))) {
            Path file = dir.resolve("proxy.conf");
            String config = """
                    rampart {
                      server { host = "127.0.0.1", port = 0, tls { cert-chain = "%s", private-key = "%s"
                               client-auth = required, trust-cert-chain = "%s" } }
                      admin { port = 0 }
                      access-log { enabled = false }
                      upstreams { app { endpoints = ["%s"] } }
                      routes = [ { upstream = app } ]
                    }
                    """.formatted(cert, key, client.certChain(), upstream.authority());
            RampartServer server = ConfigFiles.startWith(file, config);
            try (SSLSocket keptAlive = (SSLSocket) client.presentingClientContext(first.certificate())
                    .getSocketFactory().createSocket("127.0.0.1", server.port())) {
                keptAlive.setSoTimeout(10_000);
                assertEquals("HTTP/1.1 200", exchange(keptAlive));

                // The listener's own certificate rotated: how clients are verified is as it was.
                Files.copy(second.certChain(), cert, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(second.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
                ConfigFiles.replace(file, config + "\n# rotated\n");
                BigInteger rotated = second.certificate().getSerialNumber();
                Await.until(() -> rotated.equals(servedSerial(server.port(), client)), "the rotated certificate served");

                assertEquals("HTTP/1.1 200", exchange(keptAlive), "the verified client keeps its connection");
            } finally {
                server.shutdown("test");
            }
        }
    }

    /** One GET on {@code socket}, its answer read whole (the fake upstream's "fine"); the status line's start. */
    private static String exchange(SSLSocket socket) throws java.io.IOException {
        socket.getOutputStream().write(GET);
        java.io.InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return "closed: " + head;
            }
            head.append((char) b);
        }
        String lengthLine = head.toString().toLowerCase(java.util.Locale.ROOT).lines()
                .filter(l -> l.startsWith("content-length:")).findFirst().orElse("content-length: 0");
        in.readNBytes(Integer.parseInt(lengthLine.substring("content-length:".length()).trim()));
        return head.substring(0, 12);
    }

    private static final byte[] GET = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The status of a GET over a new connection made with {@code tls}, or -1 when the connection failed. */
    private static int status(SSLContext tls, int port) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).sslContext(tls).build();
        try {
            return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + port + "/"))
                    .timeout(java.time.Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@link #servedSerial(int)} on a listener that requires {@code client}'s certificate. */
    private static BigInteger servedSerial(int port, TestCertificates client) {
        try {
            SSLContext trustingAll = SSLContext.getInstance("TLS");
            java.security.KeyStore own = java.security.KeyStore.getInstance("PKCS12");
            own.load(null, null);
            own.setKeyEntry("client", dev.rampart.core.config.PemFiles.privateKey(client.privateKey()).key(),
                    "x".toCharArray(), new java.security.cert.Certificate[] {client.certificate()});
            javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
            keys.init(own, "x".toCharArray());
            trustingAll.init(keys.getKeyManagers(), new TrustManager[] {TRUST_ANY}, null);
            try (SSLSocket socket = (SSLSocket) trustingAll.getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.startHandshake();
                return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final X509TrustManager TRUST_ANY = new X509TrustManager() {
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
    };

    /** The serial number of the certificate a new TLS connection is shown. */
    private static BigInteger servedSerial(int port) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {TRUST_ANY}, null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.startHandshake();
                return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
