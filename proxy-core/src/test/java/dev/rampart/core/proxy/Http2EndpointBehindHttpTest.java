package dev.rampart.core.proxy;

import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@code http://} endpoint whose server speaks only HTTP/2 in cleartext (gRPC without TLS, Node's
 * {@code http2.createServer}) answers the proxy's HTTP/1.1 request with its connection preface, a SETTINGS frame,
 * then a GOAWAY, and closes. The client gets 502 {@code UPSTREAM_BAD_RESPONSE} as for any answer that is not
 * HTTP/1; the log says the endpoint speaks HTTP/2, not the HTTP decoder's words for the frame's first bytes.
 */
class Http2EndpointBehindHttpTest {

    /** What Node's HTTP/2 server writes to a client whose first bytes are not the preface. */
    private static final byte[] PREFACE_THEN_GOAWAY = {
        0x00, 0x00, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, // SETTINGS, one setting, stream 0
        0x00, 0x03, 0x00, 0x00, 0x00, 0x64,                   // MAX_CONCURRENT_STREAMS = 100
        0x00, 0x00, 0x08, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, // GOAWAY
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};     // last stream 0, PROTOCOL_ERROR

    private static void answerWithAPreface(Socket socket, int number) throws IOException {
        socket.getInputStream().read(new byte[4096]);
        socket.getOutputStream().write(PREFACE_THEN_GOAWAY);
        socket.getOutputStream().flush();
        socket.close();
    }

    @Test
    void aPrefaceInAnswerToARequestIsLoggedAsHttp2NotAsAMalformedHead() throws Exception {
        EndpointAnswerLog.Failure failure = EndpointAnswerLog.ofRequest("127.0.0.1:",
                Http2EndpointBehindHttpTest::answerWithAPreface);
        RawHttp.Response response = failure.response();

        assertEquals(502, response.status(), response.text());
        assertEquals("UPSTREAM_BAD_RESPONSE", Envelope.parse(response.text()).reason(), "as any answer not HTTP/1");
        assertTrue(failure.line().contains("the endpoint answered with an HTTP/2 SETTINGS frame, not HTTP/1.1: it"
                + " speaks only HTTP/2"), failure.line());
    }

    @Test
    void aHealthCheckAnsweredWithAPrefaceSaysTheEndpointSpeaksHttp2() throws Exception {
        String line = EndpointAnswerLog.ofHealthChecks("127.0.0.1:", Http2EndpointBehindHttpTest::answerWithAPreface);
        assertTrue(line.contains("it speaks only HTTP/2"), line);
    }
}
