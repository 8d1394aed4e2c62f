package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TLS client's close_notify is the end of its input, as a TCP half-close is (see
 * {@link ClientHalfCloseMidResponseTest}): sent once the response has begun, the rest of the response still
 * comes, then the close (TLS 1.3; after a TLS 1.2 close_notify nothing more can be sent, and the cut is logged).
 */
class ClientCloseNotifyMidResponseTest {

    private static final String BODY = "y".repeat(3_000) + "END";

    @TempDir
    static Path dir;

    @Test
    void aResponseUnderWayIsFinishedAfterTheClientsCloseNotify() throws Exception {
        exchangeWithCloseNotifyAfterTheHead("TLSv1.3", (received, logged) -> {
            assertEquals(BODY.length(), received.length() - received.indexOf("\r\n\r\n") - 4, "the whole body after the head");
            assertEquals(200, logged.status());
            assertNull(logged.reason(), "delivered whole: logged as served");
        });
    }

    @Test
    void aResponseUnderWayAfterATls12CloseNotifyIsLoggedAsCutNotServed() throws Exception {
        // TLS 1.2 answers a close_notify with its own, and nothing is sent after it (RFC 5246 §7.2.1): the rest of
        // the response cannot reach the client, and the log must not say it did.
        exchangeWithCloseNotifyAfterTheHead("TLSv1.2", (received, logged) -> {
            assertTrue(received.length() - received.indexOf("\r\n\r\n") - 4 < BODY.length(), "cut: " + received);
            assertEquals(200, logged.status(), "the status that was sent");
            assertEquals("CLIENT_CLOSED", logged.reason());
        });
    }

    /** A client on {@code protocol} that sends close_notify once the head is here; what it got and what was logged. */
    private static void exchangeWithCloseNotifyAfterTheHead(String protocol, BiConsumer<String, ExchangeRecord> check)
            throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "listener-" + protocol, "localhost", "dns:localhost,ip:127.0.0.1");
        UpstreamBehavior headNowBodyLater = (req, reply) -> {
            reply.raw("HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length() + "\r\n\r\n");
            reply.after(150, () -> reply.raw(BODY)); // the client's close_notify arrives meanwhile
        };
        try (FakeUpstream upstream = FakeUpstream.start(headNowBodyLater);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                     .replace("port = 0 }\n  admin", "port = 0, tls { cert-chain = \"" + cert.certChain()
                             + "\", private-key = \"" + cert.privateKey() + "\" } }\n  admin"));
             CloseNotifyClient client = new CloseNotifyClient(cert.certChain(), proxy.port(), protocol,
                     new Consumer<>() {
                         private boolean closeNotifySent;

                         @Override
                         public void accept(CloseNotifyClient self) {
                             if (!closeNotifySent && self.received().contains("\r\n\r\n")) {
                                 closeNotifySent = true; // the head is here: done sending
                                 self.closeOutbound();
                             }
                         }
                     })) {
            client.send("GET /report HTTP/1.1\r\nHost: x\r\n\r\n");

            assertTrue(client.closedWithin(5), "closed by the proxy after the response");
            String received = client.received();
            assertTrue(received.startsWith("HTTP/1.1 200"), received);
            check.accept(received, proxy.observer.awaitExchange(1));
        }
    }
}
