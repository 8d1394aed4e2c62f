package dev.rampart.core.proxy;

import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.RawHttp;
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
        EndpointAnswerLog.Failure failure = EndpointAnswerLog.ofRequest("127.0.0.1:",
                TlsEndpointBehindHttpTest::answerWithAnAlert);
        RawHttp.Response response = failure.response();

        assertEquals(502, response.status(), response.text());
        assertEquals("UPSTREAM_BAD_RESPONSE", Envelope.parse(response.text()).reason(), "as any answer not HTTP");
        assertTrue(failure.line().contains("the endpoint answered with a TLS alert, not HTTP: it speaks TLS (an"
                + " https:// endpoint?)"), failure.line());
    }

    @Test
    void aHealthCheckAnsweredWithAnAlertSaysTheEndpointSpeaksTls() throws Exception {
        String line = EndpointAnswerLog.ofHealthChecks("127.0.0.1:", TlsEndpointBehindHttpTest::answerWithAnAlert);
        assertTrue(line.contains("it speaks TLS (an https:// endpoint?)"), line);
    }
}
