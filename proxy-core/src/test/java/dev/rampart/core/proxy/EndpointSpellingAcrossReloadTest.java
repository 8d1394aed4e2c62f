package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.resilience.BreakerSnapshot;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An endpoint whose name a reload only writes in other letter case is the same endpoint. */
class EndpointSpellingAcrossReloadTest {

    private static final String BREAKER = "circuit-breaker { consecutive-failures = 1, minimum-calls = 100,"
            + " open-duration = 60s }";
    private static final String ROUTES = "{ name = default, match { path-prefix = \"/\" }, upstream = app,"
            + " retry { attempts = 1 } }";

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void aReloadThatChangesOnlyTheCaseOfTheNameKeepsTheOpenBreaker() throws Exception {
        FakeUpstream upstream = closing.add(FakeUpstream.start(UpstreamBehavior.failTimes(Integer.MAX_VALUE, 500,
                UpstreamBehavior.ok("unused"))));
        ProxyHarness proxy = closing.add(ProxyHarness.start(config("LocalHost:" + upstream.port())));
        assertEquals(500, get(proxy, "/trip").statusCode());
        assertEquals(503, get(proxy, "/open").statusCode());

        proxy.runtime().apply(ConfigLoader.parse(config("LOCALHOST:" + upstream.port()), "test.conf"));

        assertEquals(503, get(proxy, "/still-open").statusCode(), "the open breaker survived the reload");
        assertEquals(1, upstream.requests().size());
        List<BreakerSnapshot> listed = List.copyOf(proxy.runtime().breakers().snapshot());
        assertEquals(1, listed.size(), "one endpoint, one breaker: " + listed);
        assertEquals("localhost:" + upstream.port(), listed.get(0).endpoint(), "one spelling in every label");
        assertEquals(CircuitBreaker.State.OPEN, listed.get(0).state());
    }

    private static String config(String endpoint) {
        return ProxyHarness.config("app { endpoints = [\"" + endpoint + "\"], " + BREAKER + " }", ROUTES);
    }

    private static HttpResponse<String> get(ProxyHarness proxy, String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
