package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that shuts down its sending side right after its request ({@code nc -N}, many health-check
 * scripts) still gets the answers the proxy makes itself; the connection closes after them.
 */
class ClientHalfCloseTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"/ping, 200, pong", "/nowhere, 404, ROUTE_NOT_FOUND", "/ping/%00, 400, BAD_REQUEST"})
    void theProxysOwnAnswerReachesAClientThatStoppedSending(String path, int status, String text) throws IOException {
        String upstreams = "app { endpoints = [\"127.0.0.1:" + FakeUpstream.refusingPort() + "\"] }";
        String routes = "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = \"pong\", "
                + "content-type = \"text/plain\" } }";
        try (ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(upstreams, routes));
             Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5_000);
            String target = path.replace("%00", "\u0000");
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            socket.shutdownOutput();

            String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertTrue(all.startsWith("HTTP/1.1 " + status), "got: " + all);
            assertTrue(all.contains(text), all);
        }
    }

    /**
     * A client that stops sending behind an upload is served if the answer has begun before its end of input is
     * seen (the rest of it follows), and cancelled otherwise; either way the access log tells which: no reason
     * for one served, and 499 CLIENT_CLOSED for one cancelled. On io_uring the end of input is seen with the next
     * read, often after the answer was written, and the close that followed cut answers the log had recorded as
     * delivered.
     */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aClientThatStopsSendingAfterAnUploadIsLoggedAsServedOnlyWhenItGotTheAnswer(String transport)
            throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("stored"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     Transports.named(transport))) {
            byte[] body = new byte[200_000];
            for (int i = 0; i < 12; i++) {
                try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: x\r\nX-Request-Id: up-" + i
                            + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().write(body);
                    socket.shutdownOutput();
                    String got = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

                    ExchangeRecord logged = proxy.observer.awaitExchange(i + 1);
                    assertEquals("up-" + i, logged.requestId());
                    if (logged.reason() == null) {
                        assertEquals(200, logged.status(), "served or cancelled, nothing else");
                        assertTrue(got.startsWith("HTTP/1.1 200") && got.endsWith("stored"), "logged served, got: " + got);
                    } else {
                        assertEquals(499, logged.status(), "served or cancelled, nothing else");
                        assertEquals("CLIENT_CLOSED", logged.reason());
                        assertEquals("", got, "logged as cancelled, yet answered");
                    }
                }
            }
        }
    }
}
