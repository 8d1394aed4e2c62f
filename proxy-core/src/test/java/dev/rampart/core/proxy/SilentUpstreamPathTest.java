package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A per-try timeout on a connection on which nothing came back, not even the acknowledgement of the request by the
 * upstream's kernel, says the host is gone or the path to it cut (a partition, a dead node, a NAT that dropped the
 * flows): the endpoint's idle connections on that event loop close with it, so that the retry and the requests
 * after it connect anew instead of each spending a per-try timeout on another dead pooled connection. An upstream
 * whose kernel acknowledged the request is merely slow, and keeps its idle connections.
 *
 * <p>Loopback always acknowledges, so the silent path is what the NIO transport sees, which has no TCP_INFO to
 * tell; on epoll and io_uring the same silence comes with an acknowledgement, and is a slow upstream.
 */
class SilentUpstreamPathTest {

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void aRetryAfterATimeoutOnACutPathGoesOutOnANewConnection() {
        // Ten connections answered once each and pooled, then cut off: a request reused on one of them gets no
        // answer at all; a new connection is answered at once.
        Set<Long> cut = ConcurrentHashMap.newKeySet();
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (req.uri().startsWith("/fill/")) {
                cut.add(req.connectionId());
                reply.after(300, () -> reply.send(200, "text/plain", "filled"));
            } else if (!cut.contains(req.connectionId())) {
                reply.send(200, "text/plain", "fresh");
            }
        }));
        ProxyHarness proxy = closing.add(ProxyHarness.start(routeTo(upstream, "attempts = 2"), Transports.named("nio")));
        List<RawHttp> clients = fillTenConnections(proxy);
        for (RawHttp client : clients) {
            client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = client.read();
            assertEquals(200, response.status(), "the retry must not take another cut connection: " + response.text());
            assertEquals("fresh", response.text());
        }
        long timeouts = proxy.observer.attempts.stream().filter("timeout"::equals).count();
        assertTrue(timeouts <= 2, "one per-try timeout per event loop, not one per pooled connection: "
                + proxy.observer.attempts);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "io_uring", "epoll"})
    void aTimeoutKeepsTheIdleConnectionsOnlyWhenTheUpstreamsKernelAcknowledgedTheRequest(String transport) {
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (req.uri().startsWith("/fill/")) {
                reply.after(300, () -> reply.send(200, "text/plain", "filled"));
            } else if (!req.uri().equals("/slow")) {
                reply.send(200, "text/plain", "fresh");
            }
        }));
        ProxyHarness proxy = closing.add(ProxyHarness.start(routeTo(upstream, "attempts = 1"), Transports.named(transport)));
        List<RawHttp> clients = fillTenConnections(proxy);
        int filled = upstream.connectionsAccepted();
        clients.get(0).send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        RawHttp.Response slow = clients.get(0).read();
        assertEquals(504, slow.status(), slow.text());
        assertTrue(slow.text().contains("\"UPSTREAM_TIMEOUT\""), slow.text());
        for (RawHttp client : clients) { // both event loops, each reusing its warmest idle connection
            client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fresh", client.read().text());
        }
        boolean kernelCanTell = !transport.equals("nio");
        assertEquals(kernelCanTell ? filled : filled + 1, upstream.connectionsAccepted(), kernelCanTell
                ? "the upstream acknowledged the request: merely slow, its idle connections stay pooled"
                : "NIO cannot tell a slow upstream from a cut path: the timed-out connection's idle siblings close");
    }

    private static String routeTo(FakeUpstream upstream, String retry) {
        return ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 10s\n"
                        + "  retry { " + retry + ", per-try-timeout = 500ms, backoff { initial = 1ms, max = 5ms } } }")
                + ProxyHarness.CONNECTIONS_IN_TURN; // five clients, and five pooled connections, per event loop
    }

    /** Ten clients each send GET /fill/N at once: ten upstream connections, pooled once answered, five per loop. */
    private List<RawHttp> fillTenConnections(ProxyHarness proxy) {
        List<RawHttp> clients = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            RawHttp client = closing.add(proxy.raw());
            clients.add(client);
            client.send("GET /fill/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        for (RawHttp client : clients) {
            assertEquals("filled", client.read().text());
        }
        return clients;
    }
}
