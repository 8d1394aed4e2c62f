package dev.rampart.server.observe;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Removed routes are remembered for a bounded number of reloads, so routes renamed at every reload cost no memory for ever. */
class RouteMetersTest {

    @Test
    void routesRenamedAtEveryReloadAreForgottenAfterABoundedNumberOfReloads() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RouteMeters meters = new RouteMeters(registry);

        for (int i = 0; i < 1_000; i++) {
            meters.retain(Set.of("generated-" + i), "none"); // each reload removes the route of the one before
        }

        assertEquals(RouteMeters.RETIRED_FOR_RELOADS, meters.retiredRouteCount(), "the routes removed by the last hundred reloads");
    }

    @Test
    void aRequestOfARouteForgottenLongAgoMakesSeriesTheNextReloadRemoves() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RouteMeters meters = new RouteMeters(registry);
        meters.retain(Set.of("old"), "none");
        meters.retain(Set.of("new"), "none");
        meters.request("old", "GET", 200, "none", 1_000, true);
        assertTrue(registry.find("rampart.requests").tag("route", "old").counters().isEmpty(), "just removed: no series");

        for (int i = 0; i < RouteMeters.RETIRED_FOR_RELOADS; i++) {
            meters.retain(Set.of("new"), "none");
        }
        meters.request("old", "GET", 200, "none", 1_000, true); // a tunnel that outlived a hundred reloads
        assertEquals(1, registry.find("rampart.requests").tag("route", "old").counters().size());

        meters.retain(Set.of("new"), "none");
        assertTrue(registry.find("rampart.requests").tag("route", "old").counters().isEmpty(), "removed again");
        assertTrue(registry.find("rampart.request.duration").tag("route", "old").timers().isEmpty());
    }
}
