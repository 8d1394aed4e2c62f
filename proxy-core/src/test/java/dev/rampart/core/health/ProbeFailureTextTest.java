package dev.rampart.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rampart.core.testing.FakeUpstream;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateExpiredException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The failed probe's words in the log: what the system or the peer said, once, without Java's type names. */
class ProbeFailureTextTest {

    @Test
    void aProbeThatWasAnsweredIsDescribedByItsStatus() {
        assertEquals("answered 404", ProbeFailureText.describe(404, null));
    }

    @Test
    void aRefusedConnectIsTheSystemsMessageWithoutTheExceptionsType() throws Exception {
        // Not a port freed from the ephemeral range: a listener bound to port 0 in the other test JVM may take it,
        // or this connect pick it as its own source port and reach itself; either way it is not refused.
        int port = FakeUpstream.refusingPort();
        ConnectException refused = null;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        } catch (ConnectException e) {
            refused = e;
        }
        assertEquals(refused.getMessage(), ProbeFailureText.describe(null, refused));
    }

    @Test
    void aWrapperThatRepeatsOrExtendsItsCausesMessageSaysItOnce() {
        // How Netty's epoll transport reports a refused connect: its own message, the address appended.
        IOException annotated = new IOException("finishConnect(..) failed: Connection refused: /127.0.0.1:9",
                new ConnectException("finishConnect(..) failed: Connection refused"));
        assertEquals("finishConnect(..) failed: Connection refused: /127.0.0.1:9",
                ProbeFailureText.describe(null, annotated));
        assertEquals("TLS: Received fatal alert: certificate_required", ProbeFailureText.describe(null,
                new DecoderException(new SSLHandshakeException("Received fatal alert: certificate_required"))));
    }

    @Test
    void aCauseThatAddsSomethingFollowsInParentheses() {
        IOException malformed = new IOException("malformed response head",
                new IllegalArgumentException("invalid version format: SSH-2.0-OPENSSH"));
        assertEquals("malformed response head (invalid version format: SSH-2.0-OPENSSH)",
                ProbeFailureText.describe(null, malformed));
        Exception expired = new SSLHandshakeException("PKIX path validation failed");
        expired.initCause(new CertificateExpiredException("NotAfter: Sat Jan 01 00:00:00 UTC 2022"));
        assertEquals("TLS: PKIX path validation failed (NotAfter: Sat Jan 01 00:00:00 UTC 2022)",
                ProbeFailureText.describe(null, expired));
    }

    @Test
    void tlsAndNameResolutionAreNamedSinceTheirMessagesDoNotSayIt() {
        assertEquals("TLS: not an SSL/TLS record: 485454502f312e31", ProbeFailureText.describe(null,
                new NotSslRecordException("not an SSL/TLS record: 485454502f312e31")));
        UnknownHostException unresolved = new UnknownHostException("Failed to resolve 'nosuch.invalid' after 2 queries ");
        unresolved.initCause(new IOException("Query failed with NXDOMAIN"));
        assertEquals("unknown host: Failed to resolve 'nosuch.invalid' after 2 queries (Query failed with NXDOMAIN)",
                ProbeFailureText.describe(null, unresolved));
    }

    @Test
    void timeoutsKeepTheirOwnWords() {
        assertEquals("health check timed out after 300 ms", ProbeFailureText.describe(null,
                new TimeoutException("health check timed out after 300 ms")));
        assertEquals("connection timed out after 1000 ms: /10.0.0.7:80", ProbeFailureText.describe(null,
                new ConnectTimeoutException("connection timed out after 1000 ms: /10.0.0.7:80")));
    }

    @Test
    void aFailureWithoutAnyMessageIsNamedByWhatHappened() {
        assertEquals("connection closed", ProbeFailureText.describe(null, new ClosedChannelException()));
        assertEquals("IllegalStateException", ProbeFailureText.describe(null, new IllegalStateException()));
        assertEquals("connection closed", ProbeFailureText.describe(null,
                new DecoderException(new ClosedChannelException())), "a wrapper's message is only its cause's type");
    }

    @Test
    void bytesQuotedFromThePeerArePrintedOnOneLine() {
        assertEquals("malformed response head (invalid version format: HTTP/1.1\\x0D\\x0AX)", ProbeFailureText.describe(
                null, new IOException("malformed response head",
                        new IllegalArgumentException("invalid version format: HTTP/1.1\r\nX"))));
    }
}
