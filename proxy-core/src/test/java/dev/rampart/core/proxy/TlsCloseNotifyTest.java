package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS close_notify is the end of the sender's data, whether or not TCP closes with it. From an upstream it
 * ends a close-delimited body and keeps the connection out of the pool; from a client it is the end of
 * the client's input, as a TCP half-close is.
 */
class TlsCloseNotifyTest {

    @TempDir
    static Path dir;
    static TestCertificates upstreamCert;
    static TestCertificates listenerCert;

    @BeforeAll
    static void certificates() {
        upstreamCert = TestCertificates.generate(dir, "upstream", "localhost", "dns:localhost");
        listenerCert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
    }

    private static String httpsUpstream(int port, String routeExtras) {
        return ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + port + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + upstreamCert.certChain() + "\" } }",
                "{ name = default, upstream = app, timeout = 8s, " + routeExtras + " }");
    }

    @Test
    void aCloseDelimitedBodyEndsAtTheUpstreamsCloseNotify() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls((req, reply) -> {
                 reply.rawOverTls("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close_notify");
                 reply.closeNotify(); // and TCP stays open: the upstream waits for the proxy's close
             }, upstreamCert.serverContext());
             ProxyHarness proxy = ProxyHarness.start(httpsUpstream(upstream.port(), "retry { attempts = 1 }"))) {
            long start = System.nanoTime();
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/stream")).build(),
                    HttpResponse.BodyHandlers.ofString());
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();

            assertEquals(200, response.statusCode());
            assertEquals("until close_notify", response.body());
            assertTrue(millis < 4_000, "complete at the close_notify, not at the 8 s route timeout: " + millis + " ms");
        }
    }

    @Test
    void aPooledConnectionTheUpstreamClosedWithCloseNotifyIsNotReused() throws Exception {
        Set<Long> answered = ConcurrentHashMap.newKeySet();
        try (FakeUpstream upstream = FakeUpstream.startTls((req, reply) -> {
                 if (!answered.add(req.connectionId())) {
                     reply.reset(); // a second request on a connection this upstream has closed its side of
                     return;
                 }
                 reply.send(200, "text/plain", "once per connection");
                 reply.after(20, reply::closeNotify);
             }, upstreamCert.serverContext());
             ProxyHarness proxy = ProxyHarness.start(httpsUpstream(upstream.port(), "retry { attempts = 1 }"))) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/pay/" + i))
                        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), "request " + i + ": " + response.body());
                // The close_notify arrives while the connection waits in the pool, which closes it then: waited
                // for, not slept on (500 ms were a guess that a loaded machine could outlast).
                Await.until(() -> upstream.connectionsOpen() == 0,
                        "request " + i + ": the pooled connection closed at the upstream's close_notify");
            }
            assertEquals(3, upstream.connectionsAccepted(), "a fresh connection for each request");
        }
    }

    @Test
    void aClientsCloseNotifyEndsItsInputAndTheConnectionClosesAfterTheAnswer() throws Exception {
        String routes = "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = \"pong\" } }";
        String hocon = ProxyHarness.config("app { endpoints = [\"127.0.0.1:" + FakeUpstream.refusingPort() + "\"] }",
                routes).replace("host = \"127.0.0.1\", port = 0 }", "host = \"127.0.0.1\", port = 0, tls { cert-chain = \""
                + listenerCert.certChain() + "\", private-key = \"" + listenerCert.privateKey() + "\" } }");
        // Netty's client, because it can send close_notify and leave TCP open: the JDK's also half-closes TCP.
        try (ProxyHarness proxy = ProxyHarness.start(hocon);
             CloseNotifyClient client = new CloseNotifyClient(listenerCert.certChain(), proxy.port(), self -> { })) {
            client.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
            client.closeOutbound(); // close_notify; TCP stays open both ways

            assertTrue(client.closedWithin(5), "closed by the proxy after its answer, not left open until the idle timeout");
            String all = client.received();
            assertTrue(all.startsWith("HTTP/1.1 200"), all);
            assertTrue(all.endsWith("pong"), all);
        }
    }
}
