package dev.rampart.server.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class UpstreamGaugesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final UpstreamGauges gauges = new UpstreamGauges(registry);

    private Gauge active(String upstream) {
        return registry.find("rampart.upstream.requests.active").tag("upstream", upstream).gauge();
    }

    @Test
    void eachUpstreamsGaugeReadsItsRequestsInFlight() {
        AtomicInteger app = new AtomicInteger(3);
        gauges.register("app", app::get);
        gauges.register("auth", () -> 0);

        assertEquals(3.0, active("app").value());
        app.set(1);
        assertEquals(1.0, active("app").value(), "read when scraped");
        assertEquals(0.0, active("auth").value());
    }

    @Test
    void aReloadKeepsTheGaugesOfKeptUpstreamsAndRemovesTheOthers() {
        gauges.register("app", () -> 2);
        gauges.register("old", () -> 0);
        Gauge before = active("app");

        gauges.register("app", () -> 2); // the reload registers it again
        gauges.retainOnly(Set.of("app"));

        assertEquals(before, active("app"), "the same gauge, not a second series");
        assertNull(active("old"), "a removed upstream's series goes with it");
    }
}
