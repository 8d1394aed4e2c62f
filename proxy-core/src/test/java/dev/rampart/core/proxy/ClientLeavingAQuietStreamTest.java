package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that leaves a stream while the upstream has nothing to send (a closed tab's server-sent events, a front
 * proxy whose own client left) shows only its end of input, and stays until the route's {@code timeout} or
 * {@code server.idle-timeout} cuts the quiet stream. That cut is no timeout of the endpoint's: five such clients
 * must not open a healthy endpoint's breaker. A client still reading a stream that went quiet still counts one.
 */
class ClientLeavingAQuietStreamTest {

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"route timeout", "idle timeout"})
    void clientsThatLeftAQuietStreamDoNotOpenItsEndpointsBreaker(String cut) throws Exception {
        ProxyHarness proxy = startWithAQuietStream(cut);
        for (int i = 0; i < 3; i++) {
            try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                socket.setSoTimeout(10_000);
                InputStream in = openStream(socket);
                socket.shutdownOutput(); // the client leaves: its end of input is all the proxy sees
                in.readAllBytes(); // until the quiet stream is cut
            }
        }
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response after = raw.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(200, after.status(), "the breaker is closed: " + after.text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"route timeout", "idle timeout"})
    void aClientStillReadingAStreamThatWentQuietCountsItsTimeout(String cut) throws Exception {
        ProxyHarness proxy = startWithAQuietStream(cut);
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            openStream(socket).readAllBytes();
        }
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response after = raw.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(503, after.status(), after.text());
            assertTrue(after.text().contains("\"CIRCUIT_OPEN\""), after.text());
        }
    }

    /**
     * An upstream that answers /stream with a head and one event, then nothing; /ok at once. A breaker that opens at
     * the first failure; the quiet stream cut by the route's timeout or by the idle timeout.
     */
    private ProxyHarness startWithAQuietStream(String cut) {
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (req.uri().equals("/stream")) {
                reply.raw("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "f\r\ndata: first\r\n\r\n\r\n");
            } else {
                reply.send(200, "text/plain", "ok");
            }
        }));
        boolean byRoute = cut.equals("route timeout");
        return closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], circuit-breaker { consecutive-failures = 1 } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = " + (byRoute ? "1500ms" : "30s")
                        + ", retry { attempts = 1, per-try-timeout = 500ms } }")
                + (byRoute ? "" : "rampart.server { idle-timeout = 1s }\n")));
    }

    /** Sends GET /stream and reads up to its first event; the stream stays open behind it. */
    private static InputStream openStream(Socket socket) throws Exception {
        socket.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = socket.getInputStream();
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains("data: first")) {
            int b = in.read();
            assertTrue(b >= 0, "the stream's first event: " + seen);
            seen.append((char) b);
        }
        return in;
    }
}
