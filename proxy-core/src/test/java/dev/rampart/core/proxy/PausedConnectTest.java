package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LoopStall;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy stopped as a whole (SIGSTOP, a cgroup freezer, a paused VM) while it connected to an upstream: the
 * connect, or the TLS handshake, that completed during the stop is used when the proxy runs again, though
 * {@code connect-timeout} fell due meanwhile too. Taken first, the timeout failed a healthy endpoint's connect as
 * UPSTREAM_CONNECT_TIMEOUT, counted it against the endpoint's breaker and retried the request.
 */
class PausedConnectTest {

    private static final String REQUEST = "GET /held HTTP/1.1\r\nHost: test\r\n\r\n";
    private static final String ONE_ATTEMPT = "{ name = default, upstream = app, timeout = 20s,"
            + " retry { attempts = 1, per-try-timeout = 10s } }";

    @TempDir
    static Path dir;
    /** Names only localhost. */
    static TestCertificates upstreamCert;

    @RegisterExtension
    final Closing closing = new Closing();

    @BeforeAll
    static void certificates() {
        upstreamCert = TestCertificates.generate(dir, "upstream", "localhost", "dns:localhost");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aConnectThatCompletedDuringAStopIsUsedNotTimedOut(String transport) throws Exception {
        Transport chosen = Transports.named(transport);
        LateAcceptUpstream upstream = closing.add(new LateAcceptUpstream());
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], connect-timeout = 2s }", ONE_ATTEMPT), chosen));
        LoopStall stall = closing.add(new LoopStall(chosen, proxy.runtime().workers()));
        RawHttp raw = closing.add(proxy.raw());

        raw.send(REQUEST);
        // The proxy's SYN was dropped; the kernel sends it again a second after the first, during the stop, when
        // the queue has room: the connect completes then, and connect-timeout (2 s) falls due before the end.
        upstream.awaitDroppedConnect();
        CountDownLatch resumed = stall.stall(3_000);
        upstream.letIn();
        assertTrue(resumed.await(10, TimeUnit.SECONDS), "the loops ran again");

        assertServed(raw.read(), proxy, "accepted");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aTlsHandshakeAnsweredDuringAStopIsUsedNotTimedOut(String transport) throws Exception {
        Transport chosen = Transports.named(transport);
        FakeUpstream upstream = closing.add(FakeUpstream.startTls(UpstreamBehavior.ok("over tls"),
                upstreamCert.serverContext()));
        HeldHandshakeRelay relay = closing.add(new HeldHandshakeRelay(upstream.port()));
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + relay.port() + "\"], connect-timeout = 1s\n"
                        + "      tls { trust-cert-chain = \"" + upstreamCert.certChain() + "\" } }", ONE_ATTEMPT),
                chosen));
        LoopStall stall = closing.add(new LoopStall(chosen, proxy.runtime().workers()));
        RawHttp raw = closing.add(proxy.raw());

        raw.send(REQUEST);
        // The upstream's answer to the handshake is held; it reaches the proxy during a stop that outlasts the
        // handshake's connect-timeout (1 s).
        relay.awaitAnswerHeld();
        CountDownLatch resumed = stall.stall(2_500);
        relay.letThrough();
        assertTrue(resumed.await(10, TimeUnit.SECONDS), "the loops ran again");

        assertServed(raw.read(), proxy, "over tls");
    }

    private static void assertServed(RawHttp.Response response, ProxyHarness proxy, String body) {
        ExchangeRecord record = proxy.observer.awaitExchange(r -> r.path().equals("/held"), "the held exchange");
        assertEquals(200, response.status(), "answered " + record.reason());
        assertEquals(body, new String(response.body(), StandardCharsets.UTF_8));
        assertEquals(1, record.attempts(), "not retried");
    }
}
