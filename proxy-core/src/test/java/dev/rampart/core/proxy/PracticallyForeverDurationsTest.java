package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A duration too long to count in nanoseconds ({@code 110000d}; HOCON saturates it at {@code Long.MAX_VALUE} ns)
 * is a way to write "no limit": every duration key takes one, and the proxy starts and serves with it. Sums of
 * such a duration and a little slack once overflowed into a negative value and failed the start (and a reload).
 */
class PracticallyForeverDurationsTest {

    private static final String FOREVER = "110000d";

    @Test
    void everyDurationKeyAtPracticallyForeverStartsAndServes() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("still served"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     ("app { endpoints = [\"" + upstream.authority() + "\"], connect-timeout = F, pool-idle-timeout = F,"
                             + " pool-max-connection-age = F, circuit-breaker { window = F, slow-call-duration = F,"
                             + " open-duration = F, max-open-duration = F },"
                             + " health-check { path = \"/\", interval = F, timeout = F } }").replace("F", FOREVER),
                     ("{ name = default, upstream = app, timeout = F, retry { per-try-timeout = F,"
                             + " retry-after { max = F } } }").replace("F", FOREVER))
                     + ("rampart.server { idle-timeout = F, request-header-timeout = F, shutdown-grace = F,"
                             + " lingering-timeout = F, lingering-time = F }\n").replace("F", FOREVER))) {
            HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/x")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertEquals(200, response.statusCode(), response.body());
            assertEquals("still served", response.body());
        }
    }

    @Test
    void anEndpointOpenPracticallyForeverAsksClientsToComeBackThatLate() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.failTimes(1, 503, UpstreamBehavior.ok("no")));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + upstream.authority() + "\"], circuit-breaker { consecutive-failures = 1,"
                             + " open-duration = " + FOREVER + ", max-open-duration = " + FOREVER + " } }",
                     "{ name = default, upstream = app, retry { attempts = 1 } }"))) {
            HttpRequest get = HttpRequest.newBuilder(proxy.uri("/x")).build();
            assertEquals(503, proxy.client().send(get, HttpResponse.BodyHandlers.ofString()).statusCode());

            HttpResponse<String> open = proxy.client().send(get, HttpResponse.BodyHandlers.ofString());

            assertEquals(503, open.statusCode());
            assertTrue(open.body().contains("CIRCUIT_OPEN"), open.body());
            long retryAfter = Long.parseLong(open.headers().firstValue("retry-after").orElseThrow());
            assertTrue(retryAfter > 9_000_000_000L, "about Long.MAX_VALUE ns in seconds, not a wrapped 1: " + retryAfter);
        }
    }
}
