package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Without {@code preserve-host}, the Host an upstream gets is the {@code host:port} of the endpoint the
 * request went to (PRODUCT.md §2), whichever of the upstream's endpoints that is: a retry on another
 * endpoint carries that one's. Virtual-hosted backends (one name each) answer only to their own name.
 */
class EndpointHostTest {

    private FakeUpstream first;
    private FakeUpstream second;
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    @Test
    void eachEndpointGetsItsOwnAuthorityAsHost() throws Exception {
        first = FakeUpstream.start(UpstreamBehavior.echo());
        second = FakeUpstream.start(UpstreamBehavior.echo());
        // The second endpoint by name, so that its Host differs from the first's by more than the port.
        String secondByName = "localhost:" + second.port();
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + first.authority() + "\", \"" + secondByName + "\"", ""));

        for (int i = 0; i < 6; i++) {
            assertEquals(200, get("/r" + i).statusCode());
        }
        assertEquals(3, first.requests().size(), "round robin");
        assertEquals(3, second.requests().size(), "round robin");
        for (RecordedRequest seen : first.requests()) {
            assertEquals(first.authority(), seen.header("host"), seen.uri());
        }
        for (RecordedRequest seen : second.requests()) {
            assertEquals(secondByName, seen.header("host"), seen.uri());
        }
    }

    @Test
    void aRetryOnAnotherEndpointCarriesThatEndpointsHost() throws Exception {
        first = FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "busy"));
        second = FakeUpstream.start(UpstreamBehavior.echo());
        String secondByName = "localhost:" + second.port();
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + first.authority() + "\", \"" + secondByName + "\"",
                "retry { backoff { initial = 1ms, max = 1ms } }"));

        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/r" + i).statusCode());
        }
        for (RecordedRequest seen : second.requests()) {
            assertEquals(secondByName, seen.header("host"), seen.uri() + ", attempt " + seen.attempt());
        }
        assertEquals(true, second.requests().stream().anyMatch(r -> r.attempt() > 1), "some were retries");
        for (RecordedRequest seen : first.requests()) {
            assertEquals(first.authority(), seen.header("host"), seen.uri() + ", attempt " + seen.attempt());
        }
    }

    @Test
    void preserveHostKeepsTheClientsHostOnEveryEndpoint() throws Exception {
        first = FakeUpstream.start(UpstreamBehavior.echo());
        second = FakeUpstream.start(UpstreamBehavior.echo());
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + first.authority() + "\", \"localhost:" + second.port()
                + "\"", "preserve-host = true"));

        for (int i = 0; i < 4; i++) {
            assertEquals(200, get("/r" + i).statusCode());
        }
        String clientHost = "127.0.0.1:" + proxy.port();
        for (RecordedRequest seen : first.requests()) {
            assertEquals(clientHost, seen.header("host"));
        }
        for (RecordedRequest seen : second.requests()) {
            assertEquals(clientHost, seen.header("host"));
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
