package dev.rampart.core.upstream;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RampartConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/** The in-flight counts kept across reloads: removed with their endpoint, unless attempts still hold them. */
class EndpointLoadsTest {

    private static RampartConfig withEndpoints(String endpoints) {
        return ConfigLoader.parse("rampart { upstreams { u { endpoints = [" + endpoints + "] } },"
                + " routes = [ { upstream = u } ] }", "test.conf");
    }

    @Test
    void anEndpointRemovedWhileAttemptsRunIsStillLoadedWhenARollbackBringsItBack() {
        EndpointLoads loads = new EndpointLoads();
        loads.of("u", "10.0.0.1:80").incrementAndGet();

        loads.retainOnly(withEndpoints("\"10.0.0.2:80\"")); // a reload without it, the attempt still running

        assertEquals(1, loads.of("u", "10.0.0.1:80").get(), "the rollback finds the running attempt counted");
    }

    @Test
    void anEndpointRemovedWithNothingInFlightIsForgotten() {
        EndpointLoads loads = new EndpointLoads();
        var before = loads.of("u", "10.0.0.1:80");

        loads.retainOnly(withEndpoints("\"10.0.0.2:80\""));

        assertNotSame(before, loads.of("u", "10.0.0.1:80"));
    }
}
