package dev.rampart.server.admin;

import dev.rampart.core.config.AdminConfig;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin listener over raw sockets, where mutation testing found it untested: HEAD on a kept-alive
 * connection, targets that are no path or whose percent-encoding is broken, a too-long request line, the request deadline of a connection's
 * later requests, the connection limits counted exactly, and idle kept-alive connections giving up their slots
 * at a limit.
 */
class AdminConnectionHandlingTest {

    private static final String GET_HEALTHZ = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

    private static AdminServer start(AdminRequestLimits.Settings settings) throws IOException {
        return AdminServer.start(new AdminConfig("127.0.0.1", 0),
                new AdminSources(() -> "m 1\n", () -> true, () -> "{}", List::of), settings);
    }

    @Test
    void aHeadAnswerHasNoBodySoTheNextAnswerOnTheConnectionReadsCleanly() throws IOException {
        try (AdminServer server = start(AdminRequestLimits.Settings.DEFAULT);
             RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            RawHttp.Response head = raw.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(200, head.status());
            assertEquals("15", head.header("content-length"));
            RawHttp.Response next = raw.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(200, next.status());
            assertEquals("{\"status\":\"ready\"}", next.text());
        }
    }

    @Test
    void aTargetThatIsNoPathIs400JsonAndTheConnectionCloses() throws IOException {
        try (AdminServer server = start(AdminRequestLimits.Settings.DEFAULT)) {
            for (String target : List.of("healthz", "mailto:ops@example.com", "http://x/%zz")) {
                try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
                    RawHttp.Response response = raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                    assertEquals(400, response.status(), target);
                    assertEquals("{\"error\":\"bad_request\"}", response.text(), target);
                    assertEquals("close", response.header("connection"), target);
                    assertTrue(raw.closedByPeer(), "closed after a bad request: " + target);
                }
            }
        }
    }

    @Test
    void aPathWithABrokenPercentEscapeIs400JsonNotASilentClose() throws IOException {
        try (AdminServer server = start(AdminRequestLimits.Settings.DEFAULT)) {
            for (String target : List.of("/metrics%", "/%zz", "/healthz%2", "http://x/healthz%2")) {
                try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
                    RawHttp.Response response = raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                    assertTrue(response != null, "an answer, not a bare close: " + target);
                    assertEquals(400, response.status(), target);
                    assertEquals("{\"error\":\"bad_request\"}", response.text(), target);
                    assertEquals("no-store", response.header("cache-control"), target);
                    assertTrue(raw.closedByPeer(), "closed after a bad request: " + target);
                }
            }
        }
    }

    @Test
    void aTooLongRequestLineIs431Json() throws IOException {
        try (AdminServer server = start(AdminRequestLimits.Settings.DEFAULT);
             RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            RawHttp.Response response = raw.send("GET /healthz?" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .read();
            assertEquals(431, response.status());
            assertEquals("{\"error\":\"request_header_fields_too_large\"}", response.text());
        }
    }

    @Test
    void aKeptAliveConnectionWhoseRequestsCameWholeIsNotCutAtTheDeadline() throws Exception {
        try (AdminServer server = start(new AdminRequestLimits.Settings(8, 8, Duration.ofMillis(300)));
             RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            assertEquals(200, raw.send(GET_HEALTHZ).read().status());
            Thread.sleep(900); // three deadlines: none applies to a connection between requests
            RawHttp.Response again = raw.send(GET_HEALTHZ).read();
            assertTrue(again != null && again.status() == 200, "served after the pause");
        }
    }

    @Test
    void aLaterRequestOnAKeptAliveConnectionHasADeadlineToo() throws Exception {
        try (AdminServer server = start(new AdminRequestLimits.Settings(8, 8, Duration.ofMillis(400)));
             RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            assertEquals(200, raw.send(GET_HEALTHZ).read().status());
            Thread.sleep(600); // between requests: no deadline runs
            long started = System.nanoTime();
            raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"); // a head that never ends
            assertTrue(raw.closedByPeer(), "the unfinished second request is cut");
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(tookMillis < 5_000, "cut at its 400 ms deadline, not by the socket timeout: " + tookMillis);
        }
    }

    @Test
    void theListenerWideLimitHoldsWhenThePerAddressLimitIsHigher() throws Exception {
        try (AdminServer server = start(new AdminRequestLimits.Settings(2, 10, Duration.ofSeconds(60)));
             RawHttp first = new RawHttp("127.0.0.1", server.port());
             RawHttp second = new RawHttp("127.0.0.1", server.port());
             RawHttp third = new RawHttp("127.0.0.1", server.port())) {
            assertEquals(200, first.send(GET_HEALTHZ).read().status());
            assertEquals(200, second.send(GET_HEALTHZ).read().status());
            assertClosedAtOnce(third, "a third connection is over max-connections 2");
        }
    }

    @Test
    void anAddressThatClosedOneOfItsConnectionsStillHasOnlyItsLimitOfThem() throws Exception {
        try (AdminServer server = start(new AdminRequestLimits.Settings(10, 2, Duration.ofSeconds(60)));
             RawHttp first = new RawHttp("127.0.0.1", server.port());
             RawHttp second = new RawHttp("127.0.0.1", server.port())) {
            assertEquals(200, first.send(GET_HEALTHZ).read().status());
            assertEquals(200, second.send(GET_HEALTHZ).read().status());
            first.close();
            RawHttp replacement = admittedAgain(server);
            startRequest(second); // under way, neither gives up its slot
            startRequest(replacement);
            try (RawHttp third = new RawHttp("127.0.0.1", server.port())) {
                assertClosedAtOnce(third, "two are open from 127.0.0.1 again: a third is refused");
            } finally {
                replacement.close();
            }
        }
    }

    @Test
    void anIdleKeptAliveConnectionMakesRoomForANewOneFromItsAddress() throws Exception {
        // On the default loopback binding every client is 127.0.0.1: connections kept alive after their
        // request (a client's pool) held every slot of that address, and a probe was refused for as long
        // as they stayed, each kept with a request a minute.
        try (AdminServer server = start(new AdminRequestLimits.Settings(10, 2, Duration.ofSeconds(60)));
             RawHttp first = new RawHttp("127.0.0.1", server.port());
             RawHttp second = new RawHttp("127.0.0.1", server.port())) {
            assertEquals(200, first.send(GET_HEALTHZ).read().status());
            assertEquals(200, second.send(GET_HEALTHZ).read().status());
            try (RawHttp probe = new RawHttp("127.0.0.1", server.port())) {
                RawHttp.Response answer = probe.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertTrue(answer != null && answer.status() == 200, "the probe is served, not refused");
                assertClosedAtOnce(first, "the oldest idle connection gave up its slot");
                assertEquals(200, second.send(GET_HEALTHZ).read().status(), "the other one is kept");
            }
        }
    }

    @Test
    void anIdleConnectionOfAnotherAddressMakesRoomAtTheListenerWideLimit() throws Exception {
        try (AdminServer server = start(new AdminRequestLimits.Settings(2, 2, Duration.ofSeconds(60)));
             RawHttp other = new RawHttp("127.0.0.1", server.port(), java.net.InetAddress.getByName("127.0.0.2"));
             RawHttp busy = new RawHttp("127.0.0.1", server.port())) {
            assertEquals(200, other.send(GET_HEALTHZ).read().status());
            startRequest(busy); // a request under way keeps its slot
            try (RawHttp probe = new RawHttp("127.0.0.1", server.port())) {
                RawHttp.Response answer = probe.send(GET_HEALTHZ).read();
                assertTrue(answer != null && answer.status() == 200, "the probe is served, not refused");
                assertClosedAtOnce(other, "the idle connection gave up its slot");
                assertEquals(200, finish(busy), "the request under way is finished");
            }
        }
    }

    /**
     * Starts a request on {@code connection} and leaves it under way: its head asks to continue before its one-byte
     * body, and the 100 answer shows that the server has read the head. {@link #finish} sends the body.
     */
    static void startRequest(RawHttp connection) {
        RawHttp.Response interim = connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                + "Content-Length: 1\r\n\r\n").read();
        assertEquals(100, interim.status(), "the head was read, its body awaited");
    }

    /** The body of the request {@link #startRequest} began, and the answer's status. */
    static int finish(RawHttp connection) {
        return connection.send("x").read().status();
    }

    /**
     * Closed by the server well before RawHttp's 10 s read timeout: the request deadline (60 s here) is not
     * what closed it, so it was refused at admission.
     */
    private static void assertClosedAtOnce(RawHttp connection, String why) {
        long started = System.nanoTime();
        assertTrue(connection.closedByPeer(), why);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMillis < 5_000, why + ": closed after " + tookMillis + " ms, not at once");
    }

    /** A new connection once the closed one is counted out (the close is seen by the server a little later). */
    private static RawHttp admittedAgain(AdminServer server) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            RawHttp candidate = new RawHttp("127.0.0.1", server.port());
            try {
                RawHttp.Response response = candidate.send(GET_HEALTHZ).read();
                if (response != null && response.status() == 200) {
                    return candidate;
                }
            } catch (RuntimeException closed) {
                // refused: the close was not counted yet
            }
            candidate.close();
            Thread.sleep(20);
        }
        throw new AssertionError("no connection admitted after one closed");
    }
}
