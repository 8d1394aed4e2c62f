package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.LogCapture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An endpoint that warned of the server name it was sent ({@code unrecognized_name}, as Apache httpd does) is
 * connected to without one for {@link OriginPipeline#WITHOUT_SERVER_NAME}, on the pool's ticker, or until a
 * reload; any other handshake failure changes nothing. {@code TlsTest} has the real handshakes; here the time
 * moves, and each connection's TLS engine is read before its first byte leaves.
 */
class ServerNameFallbackTest {

    private static final String HOST = "api.example.com"; // with a dot: the JDK would indicate it by itself

    private final AtomicLong now = new AtomicLong(TimeUnit.DAYS.toNanos(3)); // a ticker that is not at zero
    private final OriginPipeline pipeline = new OriginPipeline(8192, now::get);
    private final PoolSettings settings = PoolLoop.settings("https://" + HOST + ":8443", 1, Duration.ZERO, 1);

    private static DecoderException warning() {
        return new DecoderException(new SSLHandshakeException("Received handshake warning: unrecognized_name"));
    }

    @Test
    void aWarnedEndpointIsConnectedToWithoutAServerNameForItsWindowThenWithOneAgain() {
        assertEquals(List.of(HOST), indicatedOnNextConnection());

        assertTrue(pipeline.handshakeFailed(settings, warning()), "the next connection may succeed: the queue waits");
        assertEquals(List.of(), indicatedOnNextConnection(), "none at all, not the JDK's own");

        now.addAndGet(OriginPipeline.WITHOUT_SERVER_NAME.toNanos() - 1);
        assertEquals(List.of(), indicatedOnNextConnection(), "still within the window");
        now.addAndGet(1);
        assertEquals(List.of(HOST), indicatedOnNextConnection(), "the window is over");
    }

    @Test
    void aReloadForgetsTheWarningSoTheNextConnectionIndicatesTheNameAgain() {
        pipeline.handshakeFailed(settings, warning());
        assertEquals(List.of(), indicatedOnNextConnection());

        pipeline.forgetTlsContexts();

        assertEquals(List.of(HOST), indicatedOnNextConnection());
    }

    @Test
    void aWarningIsLoggedOnceForItsWindow() {
        try (LogCapture log = LogCapture.start()) {
            pipeline.handshakeFailed(settings, warning());
            pipeline.handshakeFailed(settings, warning());

            List<String> lines = log.warnings().stream().map(e -> e.getFormattedMessage())
                    .filter(line -> line.contains("unrecognized_name")).toList();
            assertEquals(List.of("endpoint " + HOST + ":8443 warned that it has no virtual host named " + HOST
                    + " (unrecognized_name); connecting to it without a server name for 60 s"), lines);
        }
    }

    @Test
    void anyOtherHandshakeFailureKeepsTheName() {
        assertFalse(pipeline.handshakeFailed(settings, new DecoderException(
                new SSLHandshakeException("Received fatal alert: unrecognized_name"))));
        assertFalse(pipeline.handshakeFailed(settings, new SSLHandshakeException("PKIX path building failed")));
        assertFalse(pipeline.handshakeFailed(settings,
                new java.io.IOException("warning: unrecognized_name"))); // not TLS's own

        assertEquals(List.of(HOST), indicatedOnNextConnection());
    }

    /** The server names the next connection's TLS engine will send; null when it leaves them to the JDK. */
    private List<String> indicatedOnNextConnection() {
        EmbeddedChannel channel = new EmbeddedChannel();
        try {
            pipeline.addTlsAndCodec(channel, settings);
            List<SNIServerName> names = channel.pipeline().get(SslHandler.class).engine().getSSLParameters()
                    .getServerNames();
            return names == null ? null : names.stream().map(name -> ((SNIHostName) name).getAsciiName()).toList();
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
