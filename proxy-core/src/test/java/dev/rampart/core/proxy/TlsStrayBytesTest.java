package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes after the handshake that cannot begin a TLS record, fewer than a record header (found by fuzzing: a
 * client that sends a stray byte or two after a request, on a kept-alive connection). The TLS handler waits for five bytes before it can
 * refuse them, so they must start the request head's timer, as an unfinished record does, rather than leave
 * the connection held for {@code idle-timeout}: whether they come in a read of their own or in the same read as
 * the request's last record.
 */
class TlsStrayBytesTest extends TlsListenerSupport {

    /** Long enough for a handshake on a busy machine (it bounds that too), short beside the idle timeout. */
    private static final String HEAD_TIMEOUT = "1s";
    private static final String IDLE_TIMEOUT = "60s";

    @Test
    void aStrayByteThatBeginsNoRecordIsCutAtTheRequestHeaderTimeoutNotHeldForTheIdleOne() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(tlsConfig("\"127.0.0.1:9\"", HEAD_TIMEOUT, IDLE_TIMEOUT));
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
            assertTrue(millis < 8_000, "held " + millis + " ms: bounded by the 1 s head timeout, not the 60 s idle one");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"c", "\r\n\r\n"}) // one stray byte, and the most the TLS handler waits on
    void strayBytesInTheSameReadAsTheLastRecordOfAKeptAliveConnectionsRequestAreCutAtTheRequestHeaderTimeout(
            String stray) throws Exception {
        // Held by the TLS handler while the request is served, they leave the connection awaiting its next head
        // once it is answered, with no read to come that would start that head's timer.
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
             ProxyHarness proxy = ProxyHarness.start(shortHeadLongIdle(upstream));
             CoalescingSocket plain = new CoalescingSocket(proxy.port());
             SSLSocket tls = overTls(plain, proxy.port())) {
            tls.setSoTimeout(15_000);
            tls.startHandshake();
            assertKeptAliveOk(tls); // the handshake is long done when the stray bytes come
            plain.appendToNextWrite(stray.getBytes(StandardCharsets.US_ASCII));
            assertKeptAliveOk(tls);
            assertTrue(plain.tailSent(), "the request's record went out in one write, the stray bytes behind it");
            assertCutAtTheHeadTimeout(tls);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"c", "\r\n\r\n"})
    void strayBytesInTheSameReadAsTheHandshakesEndAndTheFirstRequestAreCutAtTheRequestHeaderTimeout(String stray)
            throws Exception {
        // The read that finishes the handshake brings the request and the stray bytes too: they follow the
        // handshake's last record, though it was not done when the read began.
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
             ProxyHarness proxy = ProxyHarness.start(shortHeadLongIdle(upstream));
             CoalescingSocket plain = new CoalescingSocket(proxy.port());
             SSLSocket tls = overTls(plain, proxy.port())) {
            tls.setEnabledProtocols(new String[] {"TLSv1.3"}); // its client is done without hearing back
            tls.setSoTimeout(15_000);
            plain.holdWritesAfterFirstRead();
            tls.startHandshake();
            assertTrue(plain.heldBytes() > 0, "the client's Finished is held back");
            plain.appendToNextWrite(stray.getBytes(StandardCharsets.US_ASCII));
            assertKeptAliveOk(tls);
            assertTrue(plain.tailSent(), "the handshake's end, the request and the stray bytes went out in one write");
            assertCutAtTheHeadTimeout(tls);
        }
    }

    private static String shortHeadLongIdle(FakeUpstream upstream) {
        return tlsConfig("\"" + upstream.authority() + "\"", HEAD_TIMEOUT, IDLE_TIMEOUT);
    }

    private static SSLSocket overTls(Socket plain, int port) throws IOException {
        return (SSLSocket) listenerCert.trustingClientContext().getSocketFactory()
                .createSocket(plain, "127.0.0.1", port, true);
    }

    /** Sends one GET and reads its response whole: a 200 that keeps the connection, so only a timer closes it. */
    private static void assertKeptAliveOk(SSLSocket tls) throws IOException {
        tls.getOutputStream().write("GET /r HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
        InputStream in = tls.getInputStream();
        String head = RawHttp.readHead(in);
        String lower = head.toLowerCase(Locale.ROOT);
        assertTrue(head.startsWith("HTTP/1.1 200 "), head);
        assertTrue(!lower.contains("connection: close"), head);
        int at = lower.indexOf("content-length:");
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).trim());
        assertEquals("ok", new String(in.readNBytes(length), StandardCharsets.US_ASCII));
    }

    /** The connection ends soon after: a 408 for the head the stray bytes might have begun, then the close. */
    private static void assertCutAtTheHeadTimeout(SSLSocket tls) throws IOException {
        long start = System.nanoTime();
        try {
            InputStream in = tls.getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 408 "), head);
            in.readAllBytes();
        } catch (SocketTimeoutException held) {
            throw new AssertionError("the connection was held past the request-header-timeout", held);
        } catch (IOException closed) {
            // the close, whichever way the TLS layer reports it
        }
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(millis < 8_000, "held " + millis + " ms: bounded by the 1 s head timeout, not the 60 s idle one");
    }
}
