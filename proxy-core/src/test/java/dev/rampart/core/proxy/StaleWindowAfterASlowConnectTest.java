package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stale-connection window is a few round trips to the endpoint, and a connect that took long for reasons of its
 * own does not widen it: here the upstream's full accept queue dropped the first SYN, and the kernel sent it again a
 * second later, so the connect took over a second, while its round trip on loopback is microseconds. Four such
 * connect times made a window of seconds, in which an upstream that worked half a second on a request and crashed
 * had it taken for a keep-alive race and sent again, though the route allows one attempt. The kernel's timing of the
 * handshake (TCP_INFO, io_uring and epoll) is the network's alone.
 */
class StaleWindowAfterASlowConnectTest {

    private static final String ONE_ATTEMPT = "{ name = default, upstream = app, timeout = 20s,"
            + " retry { attempts = 1, per-try-timeout = 10s } }";

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aCrashHalfASecondAfterTheRequestIsNoKeepAliveRaceThoughTheConnectTookASecond(String transport)
            throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        LateAcceptUpstream upstream = closing.add(new LateAcceptUpstream(s -> answerThenCrash(s, received)));
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], connect-timeout = 10s }", ONE_ATTEMPT),
                Transports.named(transport)));
        RawHttp raw = closing.add(proxy.raw());

        raw.send("GET /warm HTTP/1.1\r\nHost: test\r\n\r\n");
        upstream.awaitDroppedConnect(); // the connect completes with the SYN sent again, a second after the first
        upstream.letIn();
        assertEquals(200, raw.read().status());
        raw.send("GET /again HTTP/1.1\r\nHost: test\r\n\r\n");
        RawHttp.Response response = raw.read();

        assertEquals(502, response.status(), response.text());
        assertTrue(response.text().contains("\"UPSTREAM_RESET\""), response.text());
        assertEquals(List.of("/warm", "/again"), received, "the upstream may have acted on it: sent once");
        assertFalse(proxy.observer.retries.contains("stale-connection"), proxy.observer.retries.toString());
    }

    /** Answers the connection's first request, then works half a second on the next and resets the connection. */
    private static void answerThenCrash(Socket s, List<String> received) throws IOException {
        received.add(path(RawHttp.readHead(s.getInputStream())));
        OutputStream out = s.getOutputStream();
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nwarm".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        received.add(path(RawHttp.readHead(s.getInputStream())));
        try {
            Thread.sleep(500); // worked on it, then crashed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        s.setSoLinger(true, 0); // the close resets the connection
    }

    private static String path(String head) {
        return head.split(" ", 3)[1];
    }
}
