package dev.rampart.core.proxy;

import dev.rampart.core.testing.FailingOnceTicker;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure inside the proxy after the client already has part of the response: the only honest end is
 * a cut connection. An error envelope written then would land inside the body the client is reading, as
 * if the upstream had sent it. The failure is planted where the proxy handles an upstream that breaks off
 * mid-body: a ticker read there throws once armed.
 */
class InternalErrorMidResponseTest {

    private static final byte[] FIRST_PART = "0123456789".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void theClientConnectionIsCutWithNothingAppendedAndTheFailureLoggedOnce() throws Exception {
        FailingOnceTicker ticker = new FailingOnceTicker();
        CompletableFuture<UpstreamReply> midBody = new CompletableFuture<>();
        try (FakeUpstream upstream = FakeUpstream.start((request, reply) -> {
                 reply.raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
                         + new String(FIRST_PART, StandardCharsets.ISO_8859_1));
                 midBody.complete(reply);
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     ticker);
             LogCapture logs = LogCapture.start();
             RawHttp raw = proxy.raw()) {
            raw.send("GET /partial HTTP/1.1\r\nHost: test\r\n\r\n");
            InputStream in = raw.socket().getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200 "), head);
            assertArrayEquals(FIRST_PART, in.readNBytes(FIRST_PART.length), "the first part of the body is relayed");

            ticker.failNextReadOnAnEventLoop();
            midBody.get(5, TimeUnit.SECONDS).close(); // the upstream breaks off: the proxy's handling of it fails

            assertEquals("", readToEnd(in), "nothing follows the relayed part: the connection is cut");
            assertEquals(1, logs.errors().size(), logs.dump());
            assertEquals(FailingOnceTicker.MESSAGE, logs.errors().get(0).getThrowableProxy().getMessage());
            assertTrue(logs.errors().get(0).getFormattedMessage().contains(
                    head.lines().filter(l -> l.toLowerCase().startsWith("x-request-id:")).findFirst().orElseThrow()
                            .substring("x-request-id:".length()).trim()),
                    "the error names the request: " + logs.errors().get(0).getFormattedMessage());
            assertTrue(proxy.runtime().awaitQuiescence(Duration.ofSeconds(2)), "the request no longer counts as in flight");
            assertEquals("INTERNAL_ERROR", proxy.observer.awaitExchange(1).reason(), "logged as what cut it");
            assertEquals(200, proxy.observer.awaitExchange(1).status(), "with the status the client got");
        }
    }

    /** Whatever arrives until the peer closes (EOF or reset). */
    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                rest.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // a reset ends the stream as well as a FIN does
        }
        return rest.toString(StandardCharsets.ISO_8859_1);
    }
}
