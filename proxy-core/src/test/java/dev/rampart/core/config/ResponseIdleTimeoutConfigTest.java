package dev.rampart.core.config;

import static dev.rampart.core.config.RouteWarnings.warningsFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A route's {@code response-idle-timeout}: a duration, {@code 0s} (the default) for none, bound and rendered like
 * the route's {@code timeout}, with a warning when another limit always cuts a stalled body first.
 */
class ResponseIdleTimeoutConfigTest extends RejectedConfigSupport {

    private static RouteConfig boundRoute(String route) {
        return ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, %s } ]
                }
                """.formatted(route), "test.conf", Map.of()).routes().get(0);
    }

    @Test
    void offUnlessSetAndZeroTurnsItOff() {
        assertEquals(Duration.ZERO, boundRoute("timeout = 15s").responseIdleTimeout());
        assertEquals(Duration.ZERO, boundRoute("response-idle-timeout = 0s").responseIdleTimeout());
        assertEquals(Duration.ofMillis(2500), boundRoute("timeout = 1m, response-idle-timeout = 2500ms")
                .responseIdleTimeout());
    }

    @Test
    void aNegativeOrWordyValueIsRejectedWithItsPath() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = "neg", upstream = app, response-idle-timeout = -1s },
                    { name = "word", upstream = app, response-idle-timeout = soon }"""));
        assertEquals(2, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("rampart.routes[0].response-idle-timeout: expected a duration"),
                problems.get(0));
        assertTrue(problems.get(1).startsWith("rampart.routes[1].response-idle-timeout: expected a duration"),
                problems.get(1));
    }

    @Test
    void writtenInAnUpstreamItIsPointedToTheRoute() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], response-idle-timeout = 10s } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(1, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).contains("a route's key"), problems.get(0));
    }

    @Test
    void renderedBesideTheRoutesTimeoutAndReadBack() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { name = a, upstream = app, timeout = 1h, response-idle-timeout = 30s },
                             { name = b, upstream = app } ]
                }
                """, "test.conf", Map.of());
        String text = EffectiveConfigRenderer.render(config);
        assertTrue(text.contains("response-idle-timeout = 30s"), text);
        assertTrue(text.contains("response-idle-timeout = 0s"), "the default, shown as off: " + text);
        RampartConfig reparsed = ConfigLoader.parse(text, "rendered.conf", Map.of());
        assertEquals(Duration.ofSeconds(30), reparsed.routes().get(0).responseIdleTimeout());
        assertTrue(EffectiveConfigRenderer.renderJson(config).contains("\"response-idle-timeout\""));
    }

    @Test
    void warnsWhenTheRoutesTimeoutAlwaysCutsFirst() {
        assertEquals(List.of("route \"orders\": response-idle-timeout (30s) >= timeout (30s); the route's timeout"
                + " ends the whole exchange first, so it never cuts a stalled response body"),
                warningsFor("timeout = 30s, response-idle-timeout = 30s"));
    }

    @Test
    void warnsWhenServerIdleTimeoutAlwaysCutsFirst() {
        assertEquals(List.of("route \"orders\": response-idle-timeout (2m) >= server.idle-timeout (1m); a response"
                + " body that stalls that long is cut by server.idle-timeout first"),
                warningsFor("timeout = 1h, response-idle-timeout = 2m"));
    }

    @Test
    void quietWhenItIsTheShortestLimitOrOff() {
        assertEquals(List.of(), warningsFor("timeout = 1h, response-idle-timeout = 10s"));
        assertEquals(List.of(), warningsFor("timeout = 10s, response-idle-timeout = 0s"));
    }
}
