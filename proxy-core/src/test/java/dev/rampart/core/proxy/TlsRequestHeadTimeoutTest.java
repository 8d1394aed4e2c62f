package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code request-header-timeout} on a TLS listener. No byte of a TLS record the client leaves unfinished
 * reaches the HTTP decoder, so the head's timer starts with the record's first encrypted byte; a record
 * that holds no request (a TLS 1.3 KeyUpdate, an empty line) leaves a kept-alive connection idle. The
 * timeouts are short and the waits around them generous. A head timeout bounds the handshake too, so none is
 * under {@value #HEAD_TIMEOUT}: a first handshake of a cold JVM on a busy machine (two test JVMs on two cores)
 * can take a few hundred milliseconds, and cut, it fails the test for a reason it is not about.
 */
class TlsRequestHeadTimeoutTest extends TlsListenerSupport {

    private static final String REQUEST = "GET /r HTTP/1.1\r\nHost: test\r\n\r\n";
    /** Long enough for a handshake on a busy machine, short beside the idle timeout. */
    private static final String HEAD_TIMEOUT = "1s";

    @Test
    void aRecordLeftUnfinishedAfterTheHandshakeIsAnswered408AtTheRequestHeaderTimeoutNotHeldForTheIdleOne()
            throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(tlsConfig("\"127.0.0.1:9\"", HEAD_TIMEOUT, "30s"));
             Socket plain = new Socket("127.0.0.1", proxy.port());
             SSLSocket tls = overTls(plain, proxy.port())) {
            tls.startHandshake();
            tls.setSoTimeout(10_000);
            // The start of an application-data record of 64 bytes, then three of its bytes: nothing to decrypt.
            plain.getOutputStream().write(new byte[] {0x17, 0x03, 0x03, 0x00, 0x40});
            plain.getOutputStream().flush();
            Thread.sleep(400);
            plain.getOutputStream().write(new byte[] {1, 2, 3});
            long start = System.nanoTime();
            String head = RawHttp.readHead(tls.getInputStream());
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(head.startsWith("HTTP/1.1 408 "), head);
            assertTrue(millis < 5_000, "held " + millis + " ms: bounded by the head timeout, not the 30 s idle one");
            // Logged from the record's first byte (1 s), as a plain head is from its first byte; from the last
            // bytes, 400 ms or more later, it would be at most 600 ms.
            dev.rampart.core.observe.ExchangeRecord logged = proxy.observer.awaitExchange(1);
            assertEquals(408, logged.status());
            assertTrue(logged.durationNanos() >= 800_000_000L, "duration " + logged.durationNanos() + " ns");
        }
    }

    @Test
    void aKeyUpdateOnAnIdleKeptAliveConnectionStartsNoHeadTimer() throws Exception {
        // On an established TLS 1.3 session a new handshake is a KeyUpdate record: no application data.
        assertStillIdleAfter(SSLSocket::startHandshake);
    }

    @Test
    void anEmptyLineInARecordOfItsOwnStartsNoHeadTimer() throws Exception {
        assertStillIdleAfter(tls -> {
            tls.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
        });
    }

    /** After one exchange, {@code noRequest} sends a record with no request in it; the connection stays idle. */
    private static void assertStillIdleAfter(RecordWithoutRequest noRequest) throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
             ProxyHarness proxy = ProxyHarness.start(
                     tlsConfig("\"" + upstream.authority() + "\"", HEAD_TIMEOUT, "30s"));
             SSLSocket tls = overTls(new Socket("127.0.0.1", proxy.port()), proxy.port())) {
            tls.setEnabledProtocols(new String[] {"TLSv1.3"});
            tls.setSoTimeout(10_000);
            assertEquals(200, exchange(tls));
            noRequest.send(tls);
            Thread.sleep(2_000); // over the 1 s head timeout
            assertEquals(200, exchange(tls), "still idle, not answered 408 for a head that never began");
        }
    }

    @FunctionalInterface
    private interface RecordWithoutRequest {
        void send(SSLSocket tls) throws IOException;
    }

    @Test
    void aRequestWhoseRecordsArriveSlowlyButWithinTheTimeoutIsServedAndTheConnectionKept() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
             ProxyHarness proxy = ProxyHarness.start(tlsConfig("\"" + upstream.authority() + "\"", "2s", "30s"));
             SSLSocket tls = trickledTls(proxy, 400)) {
            assertEquals(200, exchange(tls));
            assertEquals(200, exchange(tls));
        }
    }

    @Test
    void theHeadTimerOfATrickledRecordRunsFromItsFirstEncryptedByte() throws Exception {
        // Each write goes out in two halves 2.5 s apart: the record carrying the head is whole only after
        // the 1 s timeout, though its bytes reach the decoder all at once. (The 408 must be read before the
        // second half fails to go out: a failed write closes the SSLSocket for reading too.)
        try (ProxyHarness proxy = ProxyHarness.start(tlsConfig("\"127.0.0.1:9\"", HEAD_TIMEOUT, "30s"));
             SSLSocket tls = trickledTls(proxy, 2_500)) {
            Thread writer = new Thread(() -> {
                try {
                    tls.getOutputStream().write(REQUEST.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException cutWhileSending) {
                    // the 408 and the close come before the second half is sent
                }
            });
            try {
                writer.start();
                String head = RawHttp.readHead(tls.getInputStream()); // read while the writer waits to send the rest
                assertTrue(head.startsWith("HTTP/1.1 408 "), head);
            } finally {
                writer.join();
            }
        }
    }

    @Test
    void aHeadLeftUnfinishedAfterItsTrickledRecordIsTimedFromTheRecordsFirstByte() throws Exception {
        // The first part of a head, in one record sent in two halves 900 ms apart; nothing follows. Its 1 s runs
        // from the record's first byte (408 at about 1 s), not from when the record was whole (about 1.9 s).
        try (ProxyHarness proxy = ProxyHarness.start(tlsConfig("\"127.0.0.1:9\"", "1s", "30s"));
             SSLSocket tls = trickledTls(proxy, 900)) {
            long start = System.nanoTime();
            tls.getOutputStream().write("GET /r HTTP/1.1\r\nHost: test\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = RawHttp.readHead(tls.getInputStream());
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(head.startsWith("HTTP/1.1 408 "), head);
            // Timed from the record's end it would come at 1.9 s at the earliest; the rest is a loaded machine's.
            assertTrue(millis < 1_800, "408 after " + millis + " ms: timed from the record's end, not its start");
        }
    }

    @Test
    void aNewConnectionThatSendsNothingAfterItsHandshakeIsClosedAtTheHeadTimeoutWithoutAnAnswer() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.start(tlsConfig("\"127.0.0.1:9\"", HEAD_TIMEOUT, "30s"));
             SSLSocket tls = overTls(new Socket("127.0.0.1", proxy.port()), proxy.port())) {
            tls.setSoTimeout(10_000);
            tls.startHandshake();
            long start = System.nanoTime();
            int read;
            try {
                read = tls.getInputStream().read();
            } catch (IOException reset) {
                read = -1;
            }
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals(-1, read, "closed without an answer: no request was begun");
            assertTrue(millis < 5_000, "closed after " + millis + " ms: by the head timeout, not the 30 s idle one");
        }
    }

    /**
     * A TLS connection to the proxy over a {@link TricklingSocket}: the handshake goes out whole, then every
     * write is sent in two halves {@code pauseMillis} apart.
     */
    private static SSLSocket trickledTls(ProxyHarness proxy, long pauseMillis) throws IOException {
        TricklingSocket plain = new TricklingSocket(proxy.port(), pauseMillis);
        SSLSocket tls = overTls(plain, proxy.port());
        try {
            tls.setSoTimeout(10_000);
            tls.startHandshake();
        } catch (IOException | RuntimeException failed) {
            tls.close();
            throw failed;
        }
        plain.trickle = true;
        return tls;
    }

    private static SSLSocket overTls(Socket plain, int port) throws IOException {
        return (SSLSocket) listenerCert.trustingClientContext().getSocketFactory()
                .createSocket(plain, "127.0.0.1", port, true);
    }

    /** Sends one GET and reads its response whole; returns its status. */
    private static int exchange(SSLSocket tls) throws IOException {
        tls.getOutputStream().write(REQUEST.getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
        InputStream in = tls.getInputStream();
        String head = RawHttp.readHead(in);
        String lower = head.toLowerCase(Locale.ROOT);
        int at = lower.indexOf("content-length:");
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).trim());
        in.readNBytes(length);
        return Integer.parseInt(head.substring(9, 12));
    }

    /** A client socket that, once {@link #trickle} is on, sends each write in two halves {@link #pauseMillis} apart. */
    private static final class TricklingSocket extends Socket {
        private final long pauseMillis;
        /** Read by the thread that writes (one test writes from a thread of its own). */
        volatile boolean trickle;

        TricklingSocket(int port, long pauseMillis) throws IOException {
            this.pauseMillis = pauseMillis;
            connect(new InetSocketAddress("127.0.0.1", port));
            setTcpNoDelay(true);
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return new FilterOutputStream(super.getOutputStream()) {
                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    if (!trickle || length < 2) {
                        out.write(bytes, offset, length);
                        return;
                    }
                    int half = length / 2;
                    out.write(bytes, offset, half);
                    out.flush();
                    try {
                        Thread.sleep(pauseMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                    out.write(bytes, offset + half, length - half);
                }
            };
        }
    }
}
