package dev.rampart.core.proxy;

import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@code http://} endpoint that is a TLS server (the scheme written wrong) answers the plain request as Java's
 * and Go's TLS servers do: with an alert record. The client gets 502 {@code UPSTREAM_BAD_RESPONSE} as for any
 * answer that is not HTTP; the log says the endpoint speaks TLS, not the HTTP decoder's words for its first
 * mismatch, and so does a failed health check.
 */
class TlsEndpointBehindHttpTest {

    /** A TLS 1.2 record: a fatal alert, "protocol version" (what a Java server sends for a request line). */
    private static final byte[] ALERT = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};

    /** Reads what the proxy sends (a request head), answers it with {@link #ALERT} and closes. */
    private static void answerWithAnAlert(Socket socket, int number) throws IOException {
        InputStream in = socket.getInputStream();
        in.read(new byte[4096]);
        socket.getOutputStream().write(ALERT);
        socket.getOutputStream().flush();
        socket.close();
    }

    @Test
    void anAlertInAnswerToARequestIsLoggedAsTlsNotAsAMalformedHead() throws Exception {
        try (SocketUpstream tls = SocketUpstream.start("tls-server", TlsEndpointBehindHttpTest::answerWithAnAlert);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"127.0.0.1:" + tls.port() + "\"] }",
                     "{ name = default, upstream = app, retry { attempts = 1 } }"));
             LogCapture logs = LogCapture.start();
             RawHttp raw = proxy.raw()) {
            raw.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();

            assertEquals(502, response.status(), response.text());
            assertEquals("UPSTREAM_BAD_RESPONSE", Envelope.parse(response.text()).reason(), "as any answer not HTTP");
            String line = logs.awaitLine("last failure", "the line of the request's answer");
            assertTrue(line.contains("the endpoint answered with a TLS alert, not HTTP: it speaks TLS (an https://"
                    + " endpoint?)"), line);
        }
    }

    @Test
    void aHealthCheckAnsweredWithAnAlertSaysTheEndpointSpeaksTls() throws Exception {
        try (SocketUpstream tls = SocketUpstream.start("tls-server", TlsEndpointBehindHttpTest::answerWithAnAlert);
             LogCapture logs = LogCapture.start();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"127.0.0.1:" + tls.port() + "\"], health-check { path = \"/healthz\","
                             + " interval = 50ms, timeout = 1s, healthy-threshold = 2, unhealthy-threshold = 2 } }",
                     "{ name = default, upstream = app }"))) {
            String line = logs.awaitLine("failed 2 health checks", "the line that the endpoint failed");
            assertTrue(line.contains("it speaks TLS (an https:// endpoint?)"), line);
        }
    }
}
