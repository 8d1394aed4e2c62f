package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer's TCP reset that comes right behind its last bytes, while the proxy has a read asked for, is seen on
 * every transport. With Netty's multishot polls on io_uring about half of them were lost: the proxy waited
 * for the upstream (or, for an upstream, for a timeout) as if the peer were still there. Many peers each, so
 * that a transport that loses some of them fails.
 */
class PeerResetTest {

    private static final int PEERS = 12;

    @RegisterExtension
    final Closing closing = new Closing();
    private FakeUpstream upstream;
    private ProxyHarness proxy;

    private void start(String transport, UpstreamBehavior behavior) {
        Transport chosen = Transports.named(transport);
        upstream = closing.add(FakeUpstream.start(behavior));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], circuit-breaker { enabled = false } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 30s,"
                        + " retry { attempts = 1 } }"), chosen));
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void clientsThatResetRightAfterTheirRequestAreSeenToLeaveAndTheirAttemptsCancelled(String transport)
            throws Exception {
        start(transport, UpstreamBehavior.hang());

        for (int i = 0; i < PEERS; i++) {
            try (RawHttp raw = proxy.raw()) {
                raw.send("GET /slow/" + i + " HTTP/1.1\r\nHost: test\r\n\r\n");
                raw.socket().setSoLinger(true, 0); // a reset at once, as a killed client or a balancer leaves it
            }
        }

        // A reset that went unseen keeps its connection open until the 30 s deadline.
        Await.until(() -> proxy.observer.openConnections.get() == 0, "every reset connection to close");
        Await.until(() -> proxy.observer.exchanges.size() >= upstream.requests().size(), "each forwarded one logged");
        for (ExchangeRecord record : proxy.observer.exchanges) {
            assertEquals(499, record.status(), record.toString());
            assertEquals("CLIENT_CLOSED", record.reason(), record.toString());
        }
        // An attempt counts once its endpoint is picked, so one cancelled before it reached the upstream counts too.
        assertTrue(proxy.observer.attempts.size() >= upstream.requests().size(), proxy.observer.attempts.toString());
        assertTrue(proxy.observer.attempts.stream().allMatch("cancelled"::equals), proxy.observer.attempts.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void anUpstreamThatResetsRightAfterPartOfABodyIsSeenToBreakOff(String transport) throws Exception {
        start(transport, UpstreamBehavior.resetMidBody(100_000, 5_000));

        for (int i = 0; i < PEERS; i++) {
            long start = System.nanoTime();
            try (RawHttp raw = proxy.raw()) {
                raw.socket().setSoTimeout(10_000);
                raw.send("GET /cut/" + i + " HTTP/1.1\r\nHost: test\r\n\r\n");
                InputStream in = raw.socket().getInputStream();
                RawHttp.readHead(in);
                in.readAllBytes(); // the relayed part, then the close that says the body is cut short
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 5_000, "response " + i + " cut after " + millis + " ms: the reset went unseen");
        }
        Await.until(() -> proxy.observer.exchanges.size() == PEERS, PEERS + " exchanges logged");
        assertEquals(List.of("UPSTREAM_RESET"),
                proxy.observer.exchanges.stream().map(ExchangeRecord::reason).distinct().toList());
    }
}
