package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access-log line of a request head that never came whole (408 at {@code request-header-timeout}) or was
 * still coming when a drain ended (503 {@code SHUTTING_DOWN}): its method and path once its request line came
 * whole, as for a head the client cut or one refused after its line, so that a burst of them says which
 * endpoint was asked for; "-" for both while the line itself was still coming. Nothing of the fields read so
 * far is logged: no host, no user agent, not the client's request id. No route: a head is routed once whole.
 */
class UnfinishedHeadAccessLogTest {

    @RegisterExtension
    final Closing closing = new Closing();

    private ProxyHarness start(String serverSettings) {
        FakeUpstream upstream = closing.add(FakeUpstream.start(UpstreamBehavior.ok("fine")));
        return closing.add(ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                .replace("port = 0 }\n  admin", "port = 0, " + serverSettings + " }\n  admin")));
    }

    @Test
    void aTimedOutHeadWhoseRequestLineCameWholeIsLoggedWithItsMethodAndPathWithoutTheQuery() throws IOException {
        ProxyHarness proxy = start("request-header-timeout = 300ms");
        String answer = untilClosed(proxy, "GET /orders/42?token=s3cret HTTP/1.1\r\nHost: shop\r\nUser-Agent: probe\r\n"
                + "X-Request-Id: chosen-by-client\r\nX-Slow: ");

        assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals(408, record.status());
        assertEquals("REQUEST_TIMEOUT", record.reason());
        assertEquals("GET", record.method());
        assertEquals("/orders/42", record.path(), "the query may hold secrets: it stays out, as on every line");
        assertNull(record.route(), "a head is routed once whole");
        assertNull(record.host(), "the fields read so far are not logged");
        assertNull(record.userAgent());
        assertNotEquals("chosen-by-client", record.requestId(), "nor believed");
    }

    @Test
    void aTimedOutHeadWhoseRequestLineWasStillComingIsLoggedWithDashes() throws IOException {
        ProxyHarness proxy = start("request-header-timeout = 300ms");
        String answer = untilClosed(proxy, "GET /orders/4");

        assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals("REQUEST_TIMEOUT", record.reason());
        assertEquals("-", record.method(), "nothing of a line that did not come whole");
        assertEquals("-", record.path(), "not /orders/4, which may be the start of /orders/42");
        assertNull(record.route());
    }

    @Test
    void aTimedOutHeadRequestWhoseLineCameWholeIsLoggedAsHead() throws IOException {
        ProxyHarness proxy = start("request-header-timeout = 300ms");
        String answer = untilClosed(proxy, "HEAD /report HTTP/1.1\r\nHost: x\r\nX-Slow: ");

        assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals("HEAD", record.method());
        assertEquals("/report", record.path());
        assertNull(record.route());
    }

    @Test
    void aHeadRefusedAsTooLargeAfterItsRequestLineIsLoggedWithItsMethodAndPathToo() throws IOException {
        // Not new: the rule the timed-out head now follows, the target as sent without its query.
        ProxyHarness proxy = start("max-header-size = 2k");
        String answer = untilClosed(proxy, "POST /upload?sig=abc HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(3000)
                + "\r\n\r\n");

        assertTrue(answer.startsWith("HTTP/1.1 431 "), answer);
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals("POST", record.method());
        assertEquals("/upload", record.path());
        assertNull(record.route());
        assertNull(record.host(), "the fields of a head the decoder gave up on are not believed");
    }

    @Test
    void aHeadRefusedForAMalformedFieldAfterItsRequestLineIsLoggedWithItsMethodAndPathToo() throws IOException {
        ProxyHarness proxy = start("request-header-timeout = 30s");
        String answer = untilClosed(proxy, "DELETE /items/7?k=v HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n");

        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertEquals("DELETE", record.method());
        assertEquals("/items/7", record.path());
        assertNull(record.host());
    }

    @Test
    void theDrainsAnswerToAnUnfinishedHeadHeadHasNoBodyAndIsLoggedWithItsMethodAndPath() throws IOException {
        ProxyHarness proxy = start("request-header-timeout = 30s");
        String answers = drainedBehindARequest(proxy, "HEAD /report?k=v HTTP/1.1\r\nHost: x\r\nX-Slow: ");

        assertTrue(answers.startsWith("HTTP/1.1 200 ") && answers.contains("HTTP/1.1 503 "), answers);
        String second = answers.substring(answers.indexOf("HTTP/1.1 503 "));
        assertEquals("", second.substring(second.indexOf("\r\n\r\n") + 4), "no content in a response to HEAD");
        ExchangeRecord record = proxy.observer.awaitExchange(2);
        assertEquals(503, record.status());
        assertEquals("SHUTTING_DOWN", record.reason());
        assertEquals("HEAD", record.method());
        assertEquals("/report", record.path());
        assertNull(record.route());
    }

    @Test
    void theDrainsAnswerToAHeadWhoseRequestLineWasStillComingIsLoggedWithDashes() throws IOException {
        ProxyHarness proxy = start("request-header-timeout = 30s");
        String answers = drainedBehindARequest(proxy, "HEAD /rep");

        assertTrue(answers.contains("HTTP/1.1 503 "), answers);
        ExchangeRecord record = proxy.observer.awaitExchange(2);
        assertEquals("SHUTTING_DOWN", record.reason());
        assertEquals("-", record.method());
        assertEquals("-", record.path());
    }

    /**
     * Sends a whole request with {@code partial} behind it in one write, waits for the request's answer, drains, and
     * returns all the connection got. In one write, the decoder reads {@code partial} in the read that brings the
     * request, so whatever of it can be read has been by the time the first answer is logged.
     */
    private static String drainedBehindARequest(ProxyHarness proxy, String partial) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5_000);
            send(socket, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n" + partial);
            assertEquals(200, proxy.observer.awaitExchange(1).status());

            drain(proxy);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** As a drain goes: idle kept-alive connections close at its start, the rest are answered at its end. */
    private static void drain(ProxyHarness proxy) {
        proxy.listener().closeIdleConnections();
        proxy.listener().closeConnections();
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Sends {@code partial} and reads what comes until the proxy closes the connection. */
    private static String untilClosed(ProxyHarness proxy, String partial) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5_000);
            send(socket, partial);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
