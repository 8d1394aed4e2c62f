package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.resilience.BreakerSnapshot;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload that tunes a failing endpoint's breaker during an incident (its open-duration shortened, say) must not put
 * the endpoint back in rotation: its open breaker stays open, for what is left of the period under the new settings.
 */
class BreakerRetunedByReloadTest {

    @RegisterExtension
    final Closing closing = new Closing();

    private static String config(String authority, String breaker) {
        return ProxyHarness.config("app { endpoints = [\"" + authority + "\"], circuit-breaker { " + breaker + " } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, retry { attempts = 1 } }");
    }

    private static HttpResponse<String> get(ProxyHarness proxy, String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anOpenBreakerStaysOpenAcrossAReloadThatChangesItsOpenDuration() throws Exception {
        FakeUpstream upstream = closing.add(FakeUpstream.start(
                UpstreamBehavior.failTimes(Integer.MAX_VALUE, 500, UpstreamBehavior.ok("unused"))));
        ProxyHarness proxy = closing.add(ProxyHarness.start(config(upstream.authority(),
                "consecutive-failures = 1, minimum-calls = 100, open-duration = 60s, max-open-duration = 120s")));
        assertEquals(500, get(proxy, "/trip").statusCode());
        assertEquals("CIRCUIT_OPEN", Envelope.parse(get(proxy, "/open").body()).reason());

        proxy.runtime().apply(ConfigLoader.parse(config(upstream.authority(),
                "consecutive-failures = 1, minimum-calls = 100, open-duration = 30s, max-open-duration = 120s"),
                "test.conf"));

        HttpResponse<String> afterReload = get(proxy, "/after-reload");
        assertEquals(503, afterReload.statusCode());
        assertEquals("CIRCUIT_OPEN", Envelope.parse(afterReload.body()).reason());
        long retryAfter = Long.parseLong(afterReload.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "what is left of the new 30 s period: " + retryAfter);
        assertEquals(1, upstream.requests().size(), "the failing endpoint was not called again");
        List<BreakerSnapshot> listed = List.copyOf(proxy.runtime().breakers().snapshot());
        assertEquals(1, listed.size(), "the retuned breaker alone: " + listed);
        assertEquals(CircuitBreaker.State.OPEN, listed.get(0).state());
    }
}
