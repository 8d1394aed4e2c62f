package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A reload that changes an endpoint's pool settings drops no request waiting for one of its connections. */
class PoolReloadTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    private String config(int maxConnections) {
        return ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], max-connections-per-endpoint = " + maxConnections
                        + ", circuit-breaker { consecutive-failures = 1 } }",
                "{ name = default, upstream = app, timeout = 10s, retry { attempts = 1 } }")
                + ProxyHarness.CONNECTIONS_IN_TURN;
    }

    @Test
    void requestsQueuedUnderTheOldPoolSettingsAreStillServed() throws Exception {
        upstream = closing.add(FakeUpstream.start((req, reply) -> {
            long delay = req.uri().equals("/warm-up") ? 0 : 800;
            reply.after(delay, () -> reply.send(200, "text/plain", "ok"));
        }));
        proxy = closing.add(ProxyHarness.start(config(1))); // one upstream connection per event loop
        try (RawHttp warmUp = proxy.raw()) {
            assertEquals(200, warmUp.send("GET /warm-up HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }

        // Four client connections over the two event loops: two requests per loop, one of them queued.
        try (RawHttp first = proxy.raw(); RawHttp second = proxy.raw(); RawHttp third = proxy.raw();
             RawHttp fourth = proxy.raw()) {
            List<RawHttp> clients = List.of(first, second, third, fourth);
            for (RawHttp client : clients) {
                client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            Await.until(() -> upstream.requests().size() == 3, "two requests at the upstream, two queued");
            proxy.runtime().apply(ConfigLoader.parse(config(4), "test.conf"));

            for (RawHttp client : clients) {
                RawHttp.Response response = client.read();
                assertEquals(200, response.status(), "queued before the reload, served after it: " + response.text());
            }
        }
        assertEquals(200, proxy.client().send(java.net.http.HttpRequest.newBuilder(proxy.uri("/after")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode(), "and no breaker opened");
    }
}
