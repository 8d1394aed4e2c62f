package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An endpoint written as {@code { address = "host:port", weight = N }}: what it binds to, and what is refused. */
class EndpointWeightsConfigTest extends RejectedConfigSupport {

    private static String withEndpoints(String endpoints) {
        return """
                rampart {
                  upstreams { app { endpoints = %s } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(endpoints);
    }

    private UpstreamConfig app(String endpoints) {
        return HoconFiles.load(dir, withEndpoints(endpoints)).upstreams().get("app");
    }

    @Test
    void anObjectElementGivesItsEndpointAWeightAndStringsKeepWeightOne() {
        UpstreamConfig app = app("[\"10.0.0.1:8080\", { address = \"10.0.0.2:8080\", weight = 3 }]");
        assertEquals(List.of(EndpointAddress.parse("10.0.0.1:8080"), EndpointAddress.parse("10.0.0.2:8080")),
                app.endpoints());
        assertEquals(1, app.weight(app.endpoints().get(0)));
        assertEquals(3, app.weight(app.endpoints().get(1)));
        assertEquals(Map.of(app.endpoints().get(1), 3), app.weights());
    }

    @Test
    void withoutWeightsTheUpstreamIsNotWeighted() {
        UpstreamConfig app = app("[\"10.0.0.1:8080\", { address = \"10.0.0.2:8080\" }]");
        assertEquals(Map.of(), app.weights(), "an object without weight is weight 1");
    }

    @Test
    void aWeightIsAWholeNumberFromOneTo256AndTheAddressIsRequired() {
        List<String> problems = problemsOf(withEndpoints("""
                [
                      { address = "10.0.0.1:8080", weight = 0 },
                      { address = "10.0.0.2:8080", weight = 257 },
                      { weight = 2 },
                      { address = "10.0.0.4:8080", wieght = 2 },
                      { address = "10.0.0.5", weight = 2 }
                    ]"""));
        assertEquals(List.of(
                "rampart.upstreams.app.endpoints[0].weight: expected a number 1-256, got 0" + at(3),
                "rampart.upstreams.app.endpoints[1].weight: expected a number 1-256, got 257" + at(4),
                "rampart.upstreams.app.endpoints[2].address: missing (expected host:port, as in"
                        + " { address = \"10.0.0.1:8080\", weight = 2 })" + at(5),
                "rampart.upstreams.app.endpoints[3].wieght: unknown key (did you mean \"weight\"?)" + at(6),
                "rampart.upstreams.app.endpoints[4].address: missing port in \"10.0.0.5\" (expected: host:port)" + at(7)),
                problems);
    }

    @Test
    void anEndpointWrittenTwiceIsADuplicateWhateverItsForm() {
        List<String> problems = problemsOf(withEndpoints(
                "[\"10.0.0.1:8080\", { address = \"10.0.0.1:8080\", weight = 2 }]"));
        assertEquals(List.of("rampart.upstreams.app.endpoints[1].address: duplicate endpoint 10.0.0.1:8080"
                + " (also endpoints[0])" + at(2)), problems);
    }

    @Test
    void theEffectiveConfigWritesAWeightedEndpointAsAnObjectThatReadsBackTheSame() {
        RampartConfig config = HoconFiles.load(dir,
                withEndpoints("[\"10.0.0.1:8080\", { address = \"10.0.0.2:8080\", weight = 3 }]"));
        String rendered = EffectiveConfigRenderer.render(config);
        assertTrue(rendered.contains("address = \"10.0.0.2:8080\"") && rendered.contains("weight = 3"), rendered);
        assertEquals(config.upstreams(), HoconFiles.load(dir, rendered).upstreams());
    }

    @Test
    void anEndpointMayBeABackupButNotEveryOne() {
        UpstreamConfig app = app("[\"10.0.0.1:8080\", { address = \"10.0.0.2:8080\", backup = true, weight = 2 }]");
        assertEquals(false, app.backup(app.endpoints().get(0)));
        assertEquals(true, app.backup(app.endpoints().get(1)));
        String rendered = EffectiveConfigRenderer.render(HoconFiles.load(dir,
                withEndpoints("[\"10.0.0.1:8080\", { address = \"10.0.0.2:8080\", backup = true }]")));
        assertTrue(rendered.contains("backup = true"), rendered);
        assertEquals(HoconFiles.load(dir, withEndpoints("[\"10.0.0.1:8080\", { address = \"10.0.0.2:8080\","
                + " backup = true }]")).upstreams(), HoconFiles.load(dir, rendered).upstreams());
        List<String> problems = problemsOf(withEndpoints("[{ address = \"10.0.0.1:8080\", backup = true }]"));
        assertEquals(List.of("rampart.upstreams.app.endpoints: every endpoint is a backup: a backup takes requests only"
                + " when no other endpoint can, so at least one must not be" + at(2)), problems);
    }
}
