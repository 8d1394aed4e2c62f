package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Endpoints with weights, through the proxy to real upstreams: nginx's {@code server … weight=N}. A canary
 * of weight 1 beside a stable endpoint of weight 3 gets a quarter of the requests.
 */
class WeightedEndpointsTest {

    private final FakeUpstream stable = FakeUpstream.start(UpstreamBehavior.ok("stable"));
    private final FakeUpstream canary = FakeUpstream.start(UpstreamBehavior.ok("canary"));
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        stable.close();
        canary.close();
    }

    private void start(String loadBalancing, String canaryAuthority) {
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { load-balancing = " + loadBalancing + ", endpoints = [{ address = \"" + stable.authority()
                        + "\", weight = 3 }, \"" + canaryAuthority + "\"] }",
                "{ name = app, match { path-prefix = \"/\" }, upstream = app }"));
    }

    private int send(int requests) throws Exception {
        int fromCanary = 0;
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/r" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            fromCanary += response.body().equals("canary") ? 1 : 0;
        }
        return fromCanary;
    }

    @Test
    void roundRobinGivesEachEndpointItsWeightsShareExactly() throws Exception {
        start("round-robin", canary.authority());
        assertEquals(10, send(40));
        assertEquals(30, stable.requests().size());
    }

    @Test
    void randomGivesTheCanaryAboutItsShare() throws Exception {
        start("random", canary.authority());
        int fromCanary = send(400);
        assertEquals(100, fromCanary, 40, "a quarter of 400, within a wide margin: " + fromCanary);
    }

    @Test
    void aRefusingEndpointsTurnsGoToTheOtherAndNoRequestFails() throws Exception {
        start("round-robin", "127.0.0.1:" + FakeUpstream.refusingPort());
        assertEquals(0, send(20), "every request is answered by the stable endpoint, retried there when refused");
        assertEquals(20, stable.requests().size());
    }
}
