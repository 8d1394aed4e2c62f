package dev.rampart.core.health;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static dev.rampart.core.health.CheckedTraffic.awaitHealthChecks;
import static dev.rampart.core.health.CheckedTraffic.awaitTraffic;
import static dev.rampart.core.health.CheckedTraffic.get;
import static dev.rampart.core.health.CheckedTraffic.healthChecks;
import static dev.rampart.core.health.CheckedTraffic.traffic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Active health checks against real endpoints: out of rotation on failing checks, back on passing ones. */
class HealthCheckTest {

    private static final String CHECK = "health-check { path = \"/healthz\", interval = 50ms, timeout = 300ms,"
            + " healthy-threshold = 2, unhealthy-threshold = 2 }";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void anEndpointFailingItsCheckGetsNoTrafficUntilItPassesAgain() throws Exception {
        HealthSwitch sick = new HealthSwitch(503);
        FakeUpstream a = upstream(sick.answering("a"));
        FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
        ProxyHarness proxy = proxy(a, b, "");

        awaitHealthChecks(a, 3); // the third probe starts only after the second result was recorded
        int trafficBefore = traffic(a);
        for (int i = 0; i < 20; i++) {
            assertEquals("b", get(proxy, "/work"));
        }
        assertEquals(trafficBefore, traffic(a), "the unhealthy endpoint got no requests");

        sick.status = 200;
        awaitTraffic(proxy, "a", "the endpoint returns to rotation after passing its checks");
    }

    @Test
    void theLineThatTakesAnEndpointOutOfRotationSaysWhyItsLastCheckFailed() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            FakeUpstream a = upstream(new HealthSwitch(503).answering("a"));
            FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
            proxy(a, b, "");
            awaitHealthChecks(a, 3);
            Await.until(() -> logs.dump().contains("out of rotation"), "the endpoint to leave rotation");
            assertTrue(logs.dump().contains("endpoint " + a.authority() + " of upstream app failed 2 health checks in a"
                    + " row; out of rotation; last: answered 503"), logs.dump());
        }
    }

    @Test
    void theLastEndpointToFailItsChecksIsNotSaidToLeaveRotationSinceTrafficGoesOnToIt() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            HealthSwitch aHealth = new HealthSwitch(200);
            FakeUpstream a = upstream(aHealth.answering("a"));
            FakeUpstream b = upstream(new HealthSwitch(503).answering("b"));
            ProxyHarness proxy = proxy(a, b, "");
            Await.until(() -> logs.dump().contains("endpoint " + b.authority() + " of upstream app failed 2 health"
                    + " checks in a row; out of rotation"), "b to leave rotation while a passes");

            aHealth.status = 503;
            Await.until(() -> logs.dump().contains("endpoint " + a.authority() + " of upstream app failed 2 health"
                    + " checks in a row; " + PANIC + "; last: answered 503"), "the last one to fail says what happens instead");
            awaitTraffic(proxy, "a", "and traffic does go on to it");
        }
    }

    private static final String PANIC = "no endpoint of the upstream both passes its checks and is admitted by its"
            + " breaker now, so traffic goes on to all of them as their breakers allow (panic mode), until one does";

    @Test
    void anEndpointFailingItsChecksWhileTheOnlyPassingOneHasItsBreakerOpenIsNotSaidToLeaveRotation() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            HealthSwitch aHealth = new HealthSwitch(200);
            FakeUpstream a = upstream(aHealth.answering("a"));
            // b passes its checks but fails every request: its breaker opens, and it takes no traffic. Its passing
            // checks would turn it half-open (admitting a probe) with nothing to send one: kept open here.
            FakeUpstream b = upstream((req, reply) -> reply.send(req.uri().equals("/healthz") ? 200 : 503,
                    "text/plain", "b"));
            ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + a.authority()
                    + "\", \"" + b.authority() + "\"], " + CHECK + ", circuit-breaker { consecutive-failures = 1,"
                    + " minimum-calls = 100, open-duration = 1m, half-open-on-health-check = false } }",
                    "{ name = default, upstream = app }"));
            open.add(proxy);
            Await.until(() -> {
                requestOnce(proxy); // round robin takes b in turn, until its breaker opens
                return proxy.runtime().breakers().snapshot().stream().anyMatch(v -> v.endpoint().equals(b.authority())
                        && v.state() == dev.rampart.core.resilience.CircuitBreaker.State.OPEN);
            }, "b's breaker to open");

            aHealth.status = 503;
            Await.until(() -> logs.dump().contains("endpoint " + a.authority() + " of upstream app failed 2 health"
                    + " checks in a row; " + PANIC), "a, the only endpoint taking traffic, is not said to leave it: "
                    + logs.dump());
            assertFalse(logs.dump().contains("endpoint " + a.authority() + " of upstream app failed 2 health checks in a"
                    + " row; out of rotation"));
            awaitTraffic(proxy, "a", "and traffic does go on to it");
        }
    }

    private static void requestOnce(ProxyHarness proxy) {
        try {
            proxy.client().send(HttpRequest.newBuilder(proxy.uri("/work")).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theProbeIsAGetOfThePathWithTheEndpointsHostAndOurUserAgent() throws Exception {
        FakeUpstream a = upstream(new HealthSwitch(200).answering("a"));
        FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
        proxy(a, b, "");
        awaitHealthChecks(a, 1);
        RecordedRequest probe = healthChecks(a).get(0);
        assertEquals("GET", probe.method());
        assertEquals(a.authority(), probe.header("host"));
        assertEquals("rampart-health-check", probe.header("user-agent"));
        assertNull(probe.header("x-original-content-length"), "a GET has no body, so no Content-Length (RFC 9110 §8.6)");
    }

    @Test
    void aCheckWithNoAnswerWithinTheTimeoutIsAFailure() throws Exception {
        FakeUpstream hanging = upstream(healthNeverAnswered("a"));
        FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
        ProxyHarness proxy = proxy(hanging, b, "");
        awaitHealthChecks(hanging, 3);
        for (int i = 0; i < 10; i++) {
            assertEquals("b", get(proxy, "/work"));
        }
    }

    @Test
    void aRefusingEndpointIsTakenOutOfRotationSoNoRequestPaysForIt() throws Exception {
        FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
        String refused = "127.0.0.1:" + FakeUpstream.refusingPort();
        LogCapture logs = LogCapture.start();
        open.add(logs);
        ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + refused + "\", \"" + b.authority() + "\"], " + CHECK + " }",
                "{ name = default, upstream = app, retry { attempts = 1 } }"));
        open.add(proxy);
        Await.until(() -> proxy.runtime().healthChecks().verdicts().stream()
                .anyMatch(v -> v.endpoint().equals(refused) && !v.healthy()), "the refusing endpoint is unhealthy");
        String line = logs.awaitLine("of upstream app failed", "the line that takes it out of rotation");
        assertTrue(line.matches(".*; out of rotation; last: [^;]*Connection refused[^;]*"), line);
        assertFalse(line.contains("Exception"), "in the words of the system, not of Java's types: " + line);
        assertEquals(List.of(true), proxy.runtime().healthChecks().verdicts().stream()
                .filter(v -> v.endpoint().equals(b.authority())).map(HealthChecks.Verdict::healthy).toList());
        for (int i = 0; i < 20; i++) {
            assertEquals("b", get(proxy, "/work"), "request " + i + " went to a live endpoint");
        }
    }

    @Test
    void whenEveryEndpointFailsItsCheckTrafficStillFlows() throws Exception {
        FakeUpstream a = upstream(new HealthSwitch(500).answering("a"));
        FakeUpstream b = upstream(new HealthSwitch(500).answering("b"));
        ProxyHarness proxy = proxy(a, b, "");
        awaitHealthChecks(a, 3);
        awaitHealthChecks(b, 3);
        String body = get(proxy, "/work");
        assertTrue(body.equals("a") || body.equals("b"), body);
    }

    @Test
    void aReloadWithoutTheCheckStopsProbing() throws Exception {
        FakeUpstream a = upstream(new HealthSwitch(503).answering("a"));
        FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
        ProxyHarness proxy = proxy(a, b, "");
        awaitHealthChecks(a, 3);

        proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(
                "app { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"] }",
                "{ name = default, upstream = app }"), "reload.conf"));
        Thread.sleep(600); // a probe already in flight may still land: it ends within its 300 ms timeout
        int probes = healthChecks(a).size();
        Thread.sleep(500); // ten intervals of the removed check
        assertEquals(probes, healthChecks(a).size(), "no probe after the check was removed");
        awaitTraffic(proxy, "a", "without a check, the endpoint is in rotation again");
    }

    @Test
    void aReloadThatRemovesTheCheckOfAFailingEndpointSaysItIsBackInRotation() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            FakeUpstream a = upstream(new HealthSwitch(503).answering("a"));
            FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
            FakeUpstream c = upstream(new HealthSwitch(503).answering("c"));
            ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + a.authority()
                    + "\", \"" + b.authority() + "\", \"" + c.authority() + "\"], " + CHECK + " }",
                    "{ name = default, upstream = app }"));
            open.add(proxy);
            Await.until(() -> verdictsOf(proxy, a).equals(List.of(false)) && verdictsOf(proxy, c).equals(List.of(false)),
                    "a and c out of rotation");

            // a stays without its check; c leaves the config, so it is in no rotation to be back in
            proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(
                    "app { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"] }",
                    "{ name = default, upstream = app }"), "reload.conf"));

            assertTrue(logs.dump().contains("endpoint " + a.authority() + " of upstream app is no longer health-checked"
                    + " (the reload removed its check, which it was failing); back in rotation"), logs.dump());
            assertFalse(logs.dump().contains("endpoint " + c.authority() + " of upstream app is no longer"), logs.dump());
            assertFalse(logs.dump().contains("endpoint " + b.authority() + " of upstream app is no longer"),
                    "b passed its check: its rotation did not change. " + logs.dump());
            awaitTraffic(proxy, "a", "the line is true: a takes traffic");
        }
    }

    @Test
    void aReloadThatRemovesTheCheckEndsItsProbeInFlightSoPuttingItBackDoesNotPileProbesUp() throws Exception {
        FakeUpstream hanging = upstream(healthNeverAnswered("a"));
        FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
        String slowCheck = CHECK.replace("timeout = 300ms", "timeout = 20s");
        String withCheck = "app { endpoints = [\"" + hanging.authority() + "\", \"" + b.authority() + "\"], "
                + slowCheck + " }";
        String without = "app { endpoints = [\"" + hanging.authority() + "\", \"" + b.authority() + "\"] }";
        ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(withCheck, "{ name = default, upstream = app }"));
        open.add(proxy);
        awaitHealthChecks(hanging, 1);
        for (int i = 0; i < 4; i++) {
            proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(without, "{ name = default, upstream = app }"),
                    "reload.conf"));
            proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(withCheck, "{ name = default, upstream = app }"),
                    "reload.conf"));
            awaitHealthChecks(hanging, i + 2);
        }
        // Each removal closed its probe's connection (the client traffic has none open): one probe, not five.
        Await.until(() -> hanging.connectionsOpen() == 1, "one probe connection open, not "
                + hanging.connectionsOpen());
    }

    @Test
    void reloadsFasterThanTheCheckKeepItsScheduleSoAHangingEndpointStillGoesOutOfRotation() throws Exception {
        assertOneProbeAtATimeTakesAHangingEndpointOutThroughReloads(reload -> "interval = 50ms");
    }

    @Test
    void checkSettingsChangedFasterThanTheCheckStillTakeAHangingEndpointOutOneProbeAtATime() throws Exception {
        assertOneProbeAtATimeTakesAHangingEndpointOutThroughReloads(reload -> "interval = " + (50 + reload % 2) + "ms");
    }

    /**
     * Reloads every 50 ms, each with the check's interval as {@code intervalOf} the reload's number gives it,
     * while the endpoint's health path never answers and each probe takes its whole 300 ms timeout.
     */
    private void assertOneProbeAtATimeTakesAHangingEndpointOutThroughReloads(
            IntFunction<String> intervalOf) throws Exception {
        FakeUpstream hanging = upstream(healthNeverAnswered("a"));
        FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
        ProxyHarness proxy = proxy(hanging, b, "");
        awaitHealthChecks(hanging, 1);
        long start = System.nanoTime();
        boolean out = false;
        for (int reload = 0; !out && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5); reload++) {
            String check = CHECK.replace("interval = 50ms", intervalOf.apply(reload));
            proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(
                    "app { endpoints = [\"" + hanging.authority() + "\", \"" + b.authority() + "\"], " + check + " }",
                    "{ name = default, upstream = app }"), "reload.conf"));
            Thread.sleep(50);
            out = verdictsOf(proxy, hanging).equals(List.of(false));
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(out, "two timed-out probes in a row take the endpoint out of rotation, reloads or not");
        int probes = healthChecks(hanging).size();
        assertTrue(probes <= elapsedMillis / 300 + 2,
                "one probe at a time, each ending at its timeout: " + probes + " probes in " + elapsedMillis + " ms");
    }

    @Test
    void newCheckSettingsKeepAnEndpointOutOfRotationUntilItPassesThem() throws Exception {
        FakeUpstream a = upstream(new HealthSwitch(503).answering("a"));
        FakeUpstream b = upstream(new HealthSwitch(200).answering("b"));
        ProxyHarness proxy = proxy(a, b, "");
        Await.until(() -> verdictsOf(proxy, a).equals(List.of(false)), "a is out of rotation");

        proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(
                "app { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"], "
                        + CHECK.replace("healthy-threshold = 2", "healthy-threshold = 3") + " }",
                "{ name = default, upstream = app }"), "reload.conf"));
        assertEquals(List.of(false), verdictsOf(proxy, a), "the verdict carries over to the new settings");
        for (int i = 0; i < 10; i++) {
            assertEquals("b", get(proxy, "/work"));
        }
    }

    private static List<Boolean> verdictsOf(ProxyHarness proxy, FakeUpstream upstream) {
        return proxy.runtime().healthChecks().verdicts().stream()
                .filter(v -> v.endpoint().equals(upstream.authority())).map(HealthChecks.Verdict::healthy).toList();
    }

    /** Leaves the health path unanswered (each probe takes its whole timeout) and answers the rest with {@code body}. */
    private static UpstreamBehavior healthNeverAnswered(String body) {
        return (req, reply) -> {
            if (!req.uri().equals("/healthz")) {
                reply.send(200, "text/plain", body);
            }
        };
    }

    /** Answers the health path with a switchable status and everything else with a fixed body. */
    private static final class HealthSwitch {
        volatile int status;

        HealthSwitch(int status) {
            this.status = status;
        }

        UpstreamBehavior answering(String body) {
            return (req, reply) -> {
                if (req.uri().equals("/healthz")) {
                    reply.send(status, "text/plain", "health " + status);
                } else {
                    reply.send(200, "text/plain", body);
                }
            };
        }
    }

    private FakeUpstream upstream(UpstreamBehavior behavior) {
        FakeUpstream upstream = FakeUpstream.start(behavior);
        open.add(upstream);
        return upstream;
    }

    private ProxyHarness proxy(FakeUpstream a, FakeUpstream b, String routeExtras) {
        ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"], " + CHECK + " }",
                "{ name = default, upstream = app\n" + routeExtras + "\n}"));
        open.add(proxy);
        return proxy;
    }
}
