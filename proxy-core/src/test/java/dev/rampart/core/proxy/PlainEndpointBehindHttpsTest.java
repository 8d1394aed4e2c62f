package dev.rampart.core.proxy;

import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@code https://} endpoint that speaks plain HTTP (the scheme written wrong, or a port that serves both)
 * answers the ClientHello as nginx does: a 400 page, in plain text. The client gets 502
 * {@code UPSTREAM_UNREACHABLE}; the log says what the endpoint answered by its first word, and never quotes
 * the page itself (which Netty's exception carries in hex, every byte of the first read).
 */
class PlainEndpointBehindHttpsTest {

    private static final String SECRET = "db_password=hunter2";
    private static final String PAGE = "<html><body>400 The plain HTTP request was sent to HTTPS port. "
            + (SECRET + "; ").repeat(60) + "</body></html>";

    /** Reads the ClientHello record, answers it with a plain HTTP 400 page, then waits for the proxy to close. */
    private static void answerTheHelloInPlainHttp(Socket socket, int number) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] header = new byte[5];
        in.readFully(header);
        in.readFully(new byte[((header[3] & 0xFF) << 8) | (header[4] & 0xFF)]);
        OutputStream out = socket.getOutputStream();
        out.write(("HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: " + PAGE.length()
                + "\r\nConnection: close\r\n\r\n" + PAGE).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        socket.shutdownOutput();
        drain(socket.getInputStream());
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        while (in.read(buf) >= 0) {
            // until the proxy closes
        }
    }

    @Test
    void aPlainHttpAnswerToTheHandshakeIsLoggedByItsFirstWordNotItsBytes() throws Exception {
        EndpointAnswerLog.Failure failure = EndpointAnswerLog.ofRequest("https://localhost:",
                PlainEndpointBehindHttpsTest::answerTheHelloInPlainHttp);
        RawHttp.Response response = failure.response();

        assertEquals(502, response.status(), response.text());
        assertEquals("UPSTREAM_UNREACHABLE", Envelope.parse(response.text()).reason(),
                "the same failure as before: nothing of the request reached the endpoint");
        assertTrue(failure.line().contains("the endpoint answered in plain text, beginning \"HTTP/1.1\""
                + " (plain HTTP: an http:// endpoint?)"), failure.line());
        assertNoPageQuoted(failure.line());
    }

    @Test
    void aHealthCheckAnsweredInPlainHttpSaysSoWithoutQuotingThePage() throws Exception {
        String line = EndpointAnswerLog.ofHealthChecks("https://localhost:",
                PlainEndpointBehindHttpsTest::answerTheHelloInPlainHttp);
        assertTrue(line.contains("last: TLS: not an SSL/TLS record: the endpoint answered in plain text, beginning"
                + " \"HTTP/1.1\""), line);
        assertNoPageQuoted(line);
    }

    private static void assertNoPageQuoted(String line) {
        String secretInHex = HexFormat.of().formatHex(SECRET.getBytes(StandardCharsets.US_ASCII));
        assertFalse(line.contains(secretInHex) || line.contains(SECRET), "the page is not quoted: " + line);
        assertTrue(line.length() < 500, "one short line, not kilobytes of hex: " + line.length() + " characters");
    }
}
