package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream that starts its answer while the request body still arrives, and a body that then breaks a
 * rule: the response is cut (the only honest end of one that started), and the access log and the metrics
 * keep the status sent with the reason it ended, as for a body timeout, not a clean success.
 */
class CutWhileUploadingTest {

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness proxy;

    private void startBehindAnEarlyStreamingUpstream() throws Exception {
        SocketUpstream upstream = closing.add(SocketUpstream.start("early-stream", (socket, number) -> {
            InputStream in = socket.getInputStream();
            while (!SocketUpstream.readLine(in).isEmpty()) {
                // the head; the body is left to arrive while the answer streams
            }
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            in.transferTo(OutputStream.nullOutputStream());
        }));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + upstream.port() + "\"", "")
                + "rampart.server.max-request-body = 2k\n"));
    }

    /** Sends a chunked upload's head and first chunk, waits for the answer's head, then sends {@code rest}. */
    private ExchangeRecord uploadThen(String rest) throws Exception {
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3e8\r\n" + "a".repeat(1000) + "\r\n");
            InputStream in = raw.socket().getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            raw.send(rest);
            assertTrue(readsToTheEnd(in), "the response that started is cut");
        }
        return proxy.observer.awaitExchange(1);
    }

    /** Whether the connection ends (a close or a reset) before the socket's read timeout. */
    private static boolean readsToTheEnd(InputStream in) {
        try {
            while (in.read() != -1) {
                // what was relayed before the cut
            }
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (java.io.IOException reset) {
            return true;
        }
    }

    @Test
    void aBodyOverTheLimitAfterTheAnswerStartedIsLoggedWithItsReason() throws Exception {
        startBehindAnEarlyStreamingUpstream();

        ExchangeRecord record = uploadThen("7d0\r\n" + "b".repeat(2000) + "\r\n");

        assertEquals(200, record.status());
        assertEquals("REQUEST_BODY_TOO_LARGE", record.reason());
    }

    @Test
    void aMalformedChunkAfterTheAnswerStartedIsLoggedWithItsReason() throws Exception {
        startBehindAnEarlyStreamingUpstream();

        ExchangeRecord record = uploadThen("zz\r\n");

        assertEquals(200, record.status());
        assertEquals("BAD_REQUEST", record.reason());
    }
}
