package dev.rampart.core.health;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.resilience.BreakerSnapshot;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against real sockets, a single endpoint behind a breaker whose open period (1 min) is far longer than the test may
 * wait: one that comes back is let in by its passing checks long before the period ends, and one that passes its
 * checks while failing its calls is let in once, then kept out for the doubled period as before.
 */
class HealedEndpointBackBeforeOpenPeriodTest {

    private static final String UPSTREAM = ", health-check { path = \"/healthz\", interval = 50ms, timeout = 300ms,"
            + " healthy-threshold = 2, unhealthy-threshold = 2 }, circuit-breaker { consecutive-failures = 1,"
            + " minimum-calls = 100, open-duration = 1m, max-open-duration = 10m, half-open-probes = 2 } }";

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void anEndpointThatCameBackIsProbedByCallsAndClosedWithinItsOpenPeriod() throws Exception {
        LogCapture logs = LogCapture.start();
        closing.add(logs);
        AtomicBoolean down = new AtomicBoolean(true);
        FakeUpstream app = FakeUpstream.start((req, reply) -> reply.send(down.get() ? 503 : 200, "text/plain", "app"));
        closing.add(app);
        ProxyHarness proxy = proxy(app);
        assertEquals(503, status(proxy));
        assertEquals(CircuitBreaker.State.OPEN, breaker(proxy).state());
        long opened = System.nanoTime();

        down.set(false);
        Await.until(() -> status(proxy) == 200, "a call through, well within the 1 min open period");
        assertEquals(200, status(proxy));
        assertEquals(CircuitBreaker.State.CLOSED, breaker(proxy).state(), "both probes succeeded");
        assertTrue(System.nanoTime() - opened < 30_000_000_000L);
        assertTrue(logs.dump().contains("circuit breaker of endpoint " + app.authority() + " of upstream app is half-open"
                + " before its open period ended: its health check passed; probing"), logs.dump());
    }

    @Test
    void afterAReloadThatRetunesTheOpenBreakerThePassingChecksEndTheNewOnesPeriod() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        FakeUpstream app = FakeUpstream.start((req, reply) -> reply.send(down.get() ? 503 : 200, "text/plain", "app"));
        closing.add(app);
        ProxyHarness proxy = proxy(app);
        assertEquals(503, status(proxy));
        proxy.runtime().apply(ConfigLoader.parse(config(app, UPSTREAM.replace("open-duration = 1m",
                "open-duration = 2m")), "reload.conf"));
        assertTrue(breaker(proxy).secondsToHalfOpen() > 60, "the retuned breaker took on the open period: "
                + breaker(proxy).secondsToHalfOpen());

        down.set(false);
        Await.until(() -> status(proxy) == 200, "a call through: the checks tell the breaker the reload made");
    }

    @Test
    void anEndpointPassingItsChecksWhileItsCallsFailIsLetInOnceThenWaitsOutTheDoubledPeriod() throws Exception {
        FakeUpstream app = FakeUpstream.start((req, reply) ->
                reply.send(req.uri().equals("/healthz") ? 200 : 503, "text/plain", "app"));
        closing.add(app);
        ProxyHarness proxy = proxy(app);
        assertEquals(503, status(proxy));
        Await.until(() -> {
            status(proxy);
            return calls(app) == 2;
        }, "a call let through as a probe, once its checks passed");
        Await.until(() -> breaker(proxy).state() == CircuitBreaker.State.OPEN, "the failed probe opens it again");
        assertTrue(breaker(proxy).secondsToHalfOpen() > 60, "for the doubled period, 2 min: "
                + breaker(proxy).secondsToHalfOpen());

        int probes = checks(app);
        Await.until(() -> checks(app) >= probes + 5, "five more passing checks");
        for (int i = 0; i < 10; i++) {
            assertEquals(503, status(proxy));
        }
        assertEquals(2, calls(app), "the checks passing while calls fail let no more calls through");
        assertEquals(CircuitBreaker.State.OPEN, breaker(proxy).state());
    }

    private ProxyHarness proxy(FakeUpstream app) {
        ProxyHarness proxy = ProxyHarness.start(config(app, UPSTREAM));
        closing.add(proxy);
        return proxy;
    }

    private static String config(FakeUpstream app, String upstream) {
        return ProxyHarness.config("app { endpoints = [\"" + app.authority() + "\"]" + upstream,
                "{ name = default, upstream = app, retry { attempts = 1 } }");
    }

    private static BreakerSnapshot breaker(ProxyHarness proxy) {
        return proxy.runtime().breakers().snapshot().iterator().next();
    }

    private static int status(ProxyHarness proxy) {
        try {
            return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/work")).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int checks(FakeUpstream app) {
        return (int) app.requests().stream().filter(r -> r.uri().equals("/healthz")).count();
    }

    private static int calls(FakeUpstream app) {
        return app.requests().size() - checks(app);
    }
}
