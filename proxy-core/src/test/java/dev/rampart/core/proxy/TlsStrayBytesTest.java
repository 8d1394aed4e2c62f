package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes after the handshake that cannot begin a TLS record, fewer than a record header (found by fuzzing: a
 * client that sends a stray byte or two after a request, on a kept-alive connection). The TLS handler waits for five bytes before it can
 * refuse them, so they must start the request head's timer, as an unfinished record does, rather than leave
 * the connection held for {@code idle-timeout}.
 */
class TlsStrayBytesTest extends TlsListenerSupport {

    @Test
    void aStrayByteThatBeginsNoRecordIsCutAtTheRequestHeaderTimeoutNotHeldForTheIdleOne() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(tlsConfig("\"127.0.0.1:9\"", "500ms", "30s"));
             Socket plain = new Socket("127.0.0.1", proxy.port());
             SSLSocket tls = (SSLSocket) listenerCert.trustingClientContext().getSocketFactory()
                     .createSocket(plain, "127.0.0.1", proxy.port(), true)) {
            tls.startHandshake();
            tls.setSoTimeout(10_000);
            // One exchange first: the connection is then kept alive and idle, past its first request's timer.
            tls.getOutputStream().write("GET /r HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            String head = RawHttp.readHead(tls.getInputStream());
            String lower = head.toLowerCase(Locale.ROOT);
            int at = lower.indexOf("content-length:");
            tls.getInputStream().readNBytes(Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).trim()));
            assertTrue(!lower.contains("connection: close"), head);
            plain.getOutputStream().write('c'); // no TLS content type begins so
            plain.getOutputStream().flush();
            long start = System.nanoTime();
            try {
                tls.getInputStream().readAllBytes(); // a 408 or an alert, then the close
            } catch (SocketTimeoutException held) {
                throw new AssertionError("the connection was held past the request-header-timeout", held);
            } catch (IOException closed) {
                // the close, whichever way the TLS layer reports it
            }
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis < 5_000, "held " + millis + " ms: bounded by the head timeout, not the 30 s idle one");
        }
    }
}
