package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import dev.rampart.core.testing.WebSocketMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A WebSocket tunnel behind a TLS listener: the SslHandler stays when the HTTP handlers leave. */
class WebSocketTlsTest {

    @Test
    void overATlsListenerTheTunnelKeepsTheTlsLayerAndMessagesCrossIntact(@TempDir Path dir) throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        try (WebSocketEchoUpstream echo = WebSocketEchoUpstream.start();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + echo.authority() + "\"", "")
                     + "rampart.server.tls { cert-chain = \"" + cert.certChain() + "\", private-key = \""
                     + cert.privateKey() + "\" }\n")) {
            HttpClient https = HttpClient.newBuilder().sslContext(cert.trustingClientContext())
                    .connectTimeout(Duration.ofSeconds(5)).build();
            WebSocketMessages client = new WebSocketMessages();
            client.socket = https.newWebSocketBuilder()
                    .buildAsync(URI.create("wss://127.0.0.1:" + proxy.port() + WebSocketEchoUpstream.PATH), client)
                    .get(10, TimeUnit.SECONDS);

            client.socket.sendText("hello over tls", true).get(5, TimeUnit.SECONDS);
            assertEquals("hello over tls", client.nextText());
            byte[] big = new byte[1024 * 1024];
            new Random(7).nextBytes(big);
            client.socket.sendBinary(ByteBuffer.wrap(big), true).get(20, TimeUnit.SECONDS);
            assertArrayEquals(big, client.nextBinary(), "a 1 MiB message crosses the TLS tunnel intact");

            assertEquals("https", echo.heads().get(0).get("x-forwarded-proto"));
            client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            assertEquals(WebSocket.NORMAL_CLOSURE, client.closeCode.get(10, TimeUnit.SECONDS));
        }
    }
}
