package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.Transports;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ClientHellos whose fields are cut short (found by fuzzing the listener's TLS bytes): Java's TLS refuses them
 * while it reads the hello, with no alert to send, and the connection must still close at once on every
 * transport rather than stay open until the client leaves.
 */
class TlsMalformedHelloTest extends TlsListenerSupport {

    /** A TLS 1.2 record holding a ClientHello that ends after its version and random: no session id length. */
    private static byte[] helloWithoutSessionId() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x16, 3, 1, 0, 38});   // handshake record, 38 bytes
        out.writeBytes(new byte[] {1, 0, 0, 34});          // ClientHello, 34 bytes
        out.writeBytes(new byte[] {3, 3});                  // TLS 1.2
        out.writeBytes(new byte[32]);                       // random; nothing after it
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aHelloCutShortInsideItsFieldsClosesTheConnectionAtOnce(String transport) throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(tlsConfig("\"127.0.0.1:9\"", "30s", "60s"),
                Transports.named(transport));
             Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            long start = System.nanoTime();
            client.getOutputStream().write(helloWithoutSessionId());
            byte[] answer = client.getInputStream().readAllBytes();
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(answer.length == 0 || answer[0] == 0x15, "a TLS alert or a close");
            assertTrue(millis < 5_000, "closed after " + millis + " ms");
        }
    }
}
