package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LoopStall;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy stopped as a whole (SIGSTOP, a cgroup freezer, a paused VM) while an upstream answered: when it runs
 * again, the answer and the timeouts that fell due meanwhile are ready at once, and the answer wins, as in nginx. A
 * timeout taken first would answer 504 for a response that came, retry a request that succeeded, and count a
 * failure against a healthy endpoint's breaker.
 */
class PausedProxyTest {

    private static final String REQUEST = "GET /%s HTTP/1.1\r\nHost: test\r\n\r\n";

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aResponseHeadThatCameDuringAStopIsDeliveredNotTimedOutByThePerTryTimeout(String transport) throws Exception {
        answerDuringAStop(transport, "timeout = 10s, retry { attempts = 3, per-try-timeout = 500ms }");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aResponseThatCameDuringAStopIsDeliveredNotCutByTheRouteTimeout(String transport) throws Exception {
        answerDuringAStop(transport, "timeout = 500ms, retry { attempts = 1, per-try-timeout = 10s }");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aRequestThatCameDuringAStopPastTheIdleTimeoutIsServedNotClosedOn(String transport) throws Exception {
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok")));
        Transport chosen = Transports.named(transport);
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                + "rampart.server { idle-timeout = 1s }\n", chosen));
        LoopStall stall = closing.add(new LoopStall(chosen, proxy.runtime().workers()));
        RawHttp raw = closing.add(proxy.raw());
        assertEquals(200, raw.send(REQUEST.formatted("first")).read().status());

        // The connection's idle timeout (1 s from the answer just read) falls due during the stop, and the
        // client's next request comes during it too: both are ready when the loops run again.
        CountDownLatch resumed = stall.stall(2_000);
        raw.send(REQUEST.formatted("second"));
        assertTrue(resumed.await(10, TimeUnit.SECONDS), "the loops ran again");

        assertEquals(200, raw.read().status(), "the request that came is served on its connection");
        assertEquals(2, upstream.requests().size());
    }

    /** The upstream answers while every loop is stopped for three times the timeout that would end the wait. */
    private void answerDuringAStop(String transport, String routeExtras) throws Exception {
        Transport chosen = Transports.named(transport);
        CompletableFuture<UpstreamReply> held = new CompletableFuture<>();
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (req.uri().equals("/warm")) {
                reply.send(200, "text/plain", "warm");
            } else {
                held.complete(reply); // answered by the test, during the stop
            }
        }));
        ProxyHarness proxy = closing.add(ProxyHarness.start(
                ProxyHarness.simple("\"" + upstream.authority() + "\"", routeExtras), chosen));
        LoopStall stall = closing.add(new LoopStall(chosen, proxy.runtime().workers()));
        RawHttp raw = closing.add(proxy.raw());
        // A first request loads the classes of the path, so that the held one reaches the upstream at once.
        assertEquals(200, raw.send(REQUEST.formatted("warm")).read().status());

        raw.send(REQUEST.formatted("held"));
        UpstreamReply reply = held.get(10, TimeUnit.SECONDS);
        CountDownLatch resumed = stall.stall(1_500);
        reply.send(200, "text/plain", "answered during the stop");
        assertTrue(resumed.await(10, TimeUnit.SECONDS), "the loops ran again");

        RawHttp.Response response = raw.read();
        ExchangeRecord record = proxy.observer.awaitExchange(r -> r.path().equals("/held"), "the held exchange");
        assertEquals(200, response.status(), "answered " + record.reason());
        assertEquals("answered during the stop", new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(1, record.attempts(), "not retried");
        assertEquals(2, upstream.requests().size(), "the warm request and the held one, no retry");
    }
}
