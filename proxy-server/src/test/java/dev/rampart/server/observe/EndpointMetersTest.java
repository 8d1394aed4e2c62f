package dev.rampart.server.observe;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Removed endpoints are remembered in a bounded number, so endpoints that come and go (a config generator that writes
 * the pods' addresses, new ones at every rollout) cost no memory for ever.
 */
class EndpointMetersTest {

    @Test
    void endpointsReplacedAtEveryReloadAreRememberedInABoundedNumber() {
        EndpointMeters meters = new EndpointMeters(new SimpleMeterRegistry());

        for (int i = 0; i < 3 * EndpointMeters.RETIRED_ENDPOINTS_KEPT; i++) {
            String endpoint = "10.0." + (i / 250) + "." + (i % 250) + ":8080";
            meters.registerBreakerState("app", endpoint, () -> 0);
            meters.remove("app", endpoint); // the next reload has the pod's successor instead
        }

        assertEquals(EndpointMeters.RETIRED_ENDPOINTS_KEPT, meters.retiredEndpointCount(), "the latest removed only");
    }

    @Test
    void anAttemptEndingAfterItsEndpointWasRemovedMakesNoSeriesWhileItIsRemembered() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EndpointMeters meters = new EndpointMeters(registry);
        meters.registerBreakerState("app", "10.0.0.1:8080", () -> 0);
        meters.remove("app", "10.0.0.1:8080");

        meters.attempt("app", "10.0.0.1:8080", "success");

        assertTrue(registry.find("rampart.upstream.attempts").counters().isEmpty(), "no series of a removed endpoint");
    }
}
