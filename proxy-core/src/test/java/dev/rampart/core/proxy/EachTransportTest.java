package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The proxy's basic promises on each transport it can run on: the rest of the suite runs on the default, the
 * first of io_uring, epoll and NIO that this kernel allows, so these cover the others.
 */
class EachTransportTest {

    @RegisterExtension
    final Closing closing = new Closing();
    private FakeUpstream upstream;
    private ProxyHarness proxy;

    /** A host name, not an address: the endpoint goes through the resolver, with the transport's datagram channel. */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aRequestIsForwardedAndItsConnectionReused(String transport) throws Exception {
        Transport chosen = Transports.named(transport);
        upstream = closing.add(FakeUpstream.start(UpstreamBehavior.ok("hello")));
        proxy = closing.add(ProxyHarness.start(
                ProxyHarness.simple("\"localhost:" + upstream.port() + "\"", ""), chosen));

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("hello", response.body());
        }
        assertEquals(1, upstream.connectionsAccepted(), "the pooled upstream connection is reused");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aRefusedConnectIsRetriedAndAnsweredWithItsReason(String transport) throws Exception {
        proxy = closing.add(ProxyHarness.start(ProxyHarness.simple("\"127.0.0.1:" + FakeUpstream.refusingPort() + "\"",
                "retry { attempts = 3, backoff { initial = 1ms, max = 2ms } }"), Transports.named(transport)));

        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/x")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(502, response.statusCode());
        Envelope envelope = Envelope.parse(response.body());
        assertEquals("UPSTREAM_CONNECT_REFUSED", envelope.reason());
        assertEquals("3", envelope.metadata("attempts"), "each attempt was refused and retried");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aResetBeforeTheHeadIsRetriedOnAFreshConnection(String transport) throws Exception {
        Transport chosen = Transports.named(transport);
        upstream = closing.add(FakeUpstream.start(UpstreamBehavior.resetBeforeHead()));
        proxy = closing.add(ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                "retry { attempts = 2, backoff { initial = 1ms, max = 2ms } }"), chosen));

        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/x")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(502, response.statusCode());
        assertEquals("UPSTREAM_RESET", Envelope.parse(response.body()).reason());
        assertEquals(2, upstream.requests().size(), "both attempts reached the upstream");
        assertEquals(2, upstream.connectionsAccepted(), "a reset connection is not reused");
    }
}
