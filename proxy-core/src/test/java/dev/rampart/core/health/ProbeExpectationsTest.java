package dev.rampart.core.health;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static dev.rampart.core.health.CheckedTraffic.awaitHealthChecks;
import static dev.rampart.core.health.CheckedTraffic.awaitTraffic;
import static dev.rampart.core.health.CheckedTraffic.get;
import static dev.rampart.core.health.CheckedTraffic.healthChecks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A health check's {@code expected-statuses} and {@code host} against real endpoints: which answers keep an
 * endpoint in rotation, and the {@code Host} a virtually hosted endpoint needs to answer its health page at all.
 */
class ProbeExpectationsTest {

    private static final String TIMING = "path = \"/healthz\", interval = 50ms, timeout = 1s, healthy-threshold = 2,"
            + " unhealthy-threshold = 2";

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void aHealthPageAnswering204PassesAny2xxButNotACheckThatExpects200Only() throws Exception {
        FakeUpstream noContent = upstream(healthAnswering(204, "a"));
        FakeUpstream ok = upstream(healthAnswering(200, "b"));
        ProxyHarness byDefault = proxy(noContent, ok, "");
        awaitHealthChecks(noContent, 4);
        assertEquals(List.of(true), verdictsOf(byDefault, noContent), "a 204 is a 2xx: it passes by default");
        awaitTraffic(byDefault, "a", "the 204 endpoint takes traffic");
        byDefault.close();

        try (LogCapture logs = LogCapture.start()) {
            ProxyHarness only200 = proxy(noContent, ok, "expected-statuses = [200]");
            Await.until(() -> verdictsOf(only200, noContent).equals(List.of(false)), "the 204 endpoint to fail [200]");
            assertEquals(List.of(true), verdictsOf(only200, ok));
            String line = logs.awaitLine("of upstream app failed", "the line that takes it out of rotation");
            assertTrue(line.endsWith("failed 2 health checks in a row; out of rotation; last: answered 204"), line);
            for (int i = 0; i < 10; i++) {
                assertEquals("b", get(only200, "/work"), "request " + i);
            }
        }
    }

    @Test
    void aRedirectFailsByDefaultAndPassesARangeThatHoldsIt() throws Exception {
        FakeUpstream redirecting = upstream(healthAnswering(302, "a"));
        FakeUpstream ok = upstream(healthAnswering(200, "b"));
        ProxyHarness byDefault = proxy(redirecting, ok, "");
        Await.until(() -> verdictsOf(byDefault, redirecting).equals(List.of(false)),
                "a health page redirecting to a login page to fail the default check");
        byDefault.close();

        ProxyHarness upTo399 = proxy(redirecting, ok, "expected-statuses = [\"200-399\"]");
        awaitHealthChecks(redirecting, healthChecks(redirecting).size() + 4);
        assertEquals(List.of(true), verdictsOf(upTo399, redirecting), "a 302 is within 200-399");
        awaitTraffic(upTo399, "a", "the redirecting endpoint takes traffic");
    }

    @Test
    void aReloadThatWidensTheStatusesBringsTheEndpointBackOnlyAfterItPassesThem() throws Exception {
        FakeUpstream noContent = upstream(healthAnswering(204, "a"));
        FakeUpstream ok = upstream(healthAnswering(200, "b"));
        ProxyHarness proxy = proxy(noContent, ok, "expected-statuses = [200]");
        Await.until(() -> verdictsOf(proxy, noContent).equals(List.of(false)), "the 204 endpoint to fail [200]");

        proxy.runtime().apply(ConfigLoader.parse(config(noContent, ok, "expected-statuses = [200, 204]"), "reload.conf"));
        assertEquals(List.of(false), verdictsOf(proxy, noContent), "the verdict carries over to the new statuses");
        awaitTraffic(proxy, "a", "back in rotation once it passes the new check");
        assertEquals(List.of(true), verdictsOf(proxy, noContent));
    }

    @Test
    void aVirtuallyHostedEndpointPassesOnlyWithTheHostItServes() throws Exception {
        FakeUpstream vhost = upstream(servingOnly("shop.example.com", "a"));
        FakeUpstream ok = upstream(healthAnswering(200, "b"));
        ProxyHarness withOwnHost = proxy(vhost, ok, "");
        Await.until(() -> verdictsOf(withOwnHost, vhost).equals(List.of(false)),
                "a probe with the endpoint's own host:port to get the 404 of an unknown virtual host");
        assertEquals(vhost.authority(), healthChecks(vhost).get(0).header("host"));
        withOwnHost.close();

        int before = healthChecks(vhost).size();
        ProxyHarness withHost = proxy(vhost, ok, "host = \"shop.example.com\"");
        awaitHealthChecks(vhost, before + 4);
        assertEquals(List.of(true), verdictsOf(withHost, vhost));
        RecordedRequest probe = healthChecks(vhost).get(before);
        assertEquals("shop.example.com", probe.header("host"));
        assertEquals("rampart-health-check", probe.header("user-agent"));
        awaitTraffic(withHost, "a", "the endpoint takes traffic");
    }

    /** Answers the health path with {@code status} and everything else with {@code body}. */
    private static UpstreamBehavior healthAnswering(int status, String body) {
        return (req, reply) -> {
            if (req.uri().equals("/healthz")) {
                reply.send(status, "text/plain", "");
            } else {
                reply.send(200, "text/plain", body);
            }
        };
    }

    /** A server with one virtual host: a health probe for any other host gets its 404; traffic gets {@code body}. */
    private static UpstreamBehavior servingOnly(String host, String body) {
        return (req, reply) -> {
            if (!req.uri().equals("/healthz")) {
                reply.send(200, "text/plain", body);
            } else if (host.equals(req.header("host"))) {
                reply.send(200, "text/plain", "ok");
            } else {
                reply.send(404, "text/plain", "no such site");
            }
        };
    }

    private FakeUpstream upstream(UpstreamBehavior behavior) {
        FakeUpstream upstream = FakeUpstream.start(behavior);
        closing.add(upstream);
        return upstream;
    }

    private static String config(FakeUpstream a, FakeUpstream b, String checkExtras) {
        return ProxyHarness.config("app { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"],"
                + " health-check { " + TIMING + "\n" + checkExtras + " } }", "{ name = default, upstream = app }");
    }

    private ProxyHarness proxy(FakeUpstream a, FakeUpstream b, String checkExtras) {
        ProxyHarness proxy = ProxyHarness.start(config(a, b, checkExtras));
        closing.add(proxy);
        return proxy;
    }

    private static List<Boolean> verdictsOf(ProxyHarness proxy, FakeUpstream upstream) {
        return proxy.runtime().healthChecks().verdicts().stream()
                .filter(v -> v.endpoint().equals(upstream.authority())).map(HealthChecks.Verdict::healthy).toList();
    }
}
