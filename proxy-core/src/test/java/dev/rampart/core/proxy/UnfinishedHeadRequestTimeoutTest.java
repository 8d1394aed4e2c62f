package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 408 to a request head that did not arrive within {@code request-header-timeout}. A response to HEAD
 * has no content (RFC 9110 §9.3.2); the method is known once the request line came whole, and only then does
 * the 408 leave its envelope out (its {@code Content-Length} still says the envelope's, as a HEAD's answer
 * may). A line still coming could yet turn out to be anything: the envelope goes with it.
 */
class UnfinishedHeadRequestTimeoutTest {

    private static FakeUpstream upstream;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        upstream = FakeUpstream.start(UpstreamBehavior.ok("never asked"));
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                .replace("port = 0 }\n  admin", "port = 0, request-header-timeout = 300ms }\n  admin"));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void a408ToAHeadWhoseRequestLineCameWholeHasNoContent() throws IOException {
        String answer = timedOut("HEAD /report HTTP/1.1\r\nHost: x\r\nX-Slow: ");

        assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
        assertEquals("", body(answer), "no content in a response to HEAD");
        assertTrue(contentLength(answer) > 0, "the envelope's length, as a HEAD's answer may say: " + answer);
    }

    @Test
    void a408ToAGetWhoseRequestLineCameWholeCarriesTheEnvelope() throws IOException {
        String answer = timedOut("GET /report HTTP/1.1\r\nHost: x\r\nX-Slow: ");

        assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
        assertTrue(body(answer).contains("\"REQUEST_TIMEOUT\""), answer);
        assertEquals(contentLength(answer), body(answer).length());
    }

    @Test
    void a408ToARequestLineStillComingCarriesTheEnvelopeThoughItBeginsWithHead() throws IOException {
        String answer = timedOut("HEAD /rep");

        assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
        assertTrue(body(answer).contains("\"REQUEST_TIMEOUT\""), answer);
    }

    @Test
    void a408ToALineStillComingBehindAnAnsweredHeadCarriesTheEnvelope() throws IOException {
        String answers = timedOut("HEAD /first HTTP/1.1\r\nHost: x\r\n\r\nGET /sec");

        assertTrue(answers.startsWith("HTTP/1.1 200 "), answers);
        String second = answers.substring(answers.indexOf("HTTP/1.1 408 "));
        assertTrue(body(second).contains("\"REQUEST_TIMEOUT\""), "the HEAD before is not this one's method: " + answers);
    }

    /** Sends {@code partial} and reads what comes until the proxy closes the connection. */
    private static String timedOut(String partial) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(partial.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String body(String answer) {
        return answer.substring(answer.indexOf("\r\n\r\n") + 4);
    }

    private static int contentLength(String answer) {
        Matcher m = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)\r\n").matcher(answer);
        assertTrue(m.find(), answer);
        return Integer.parseInt(m.group(1));
    }
}
