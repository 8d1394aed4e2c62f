package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rampart.core.config.ExpectedStatuses.Range;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A health check's {@code expected-statuses} and {@code host}: what they take, what they refuse and how they show. */
class HealthCheckStatusesAndHostConfigTest extends HealthCheckBlockSupport {

    private static final String EXPECTED = "expected a status code 200-599, a range of them such as \"200-399\", or a"
            + " class such as 2xx, got ";
    private static final String EXPECTED_HOST = "expected a Host value: a name, an IPv4 address or an [IPv6] address,"
            + " with :port (1-65535) or without, got ";

    @Test
    void withoutTheKeysAny2xxPassesAndTheEndpointsOwnHostIsSent() {
        HealthCheckConfig check = check("");
        assertEquals(ExpectedStatuses.ANY_2XX, check.expectedStatuses());
        assertEquals(Optional.empty(), check.host());
        assertFalse(check.expectedStatuses().contains(199));
        assertTrue(check.expectedStatuses().contains(200));
        assertTrue(check.expectedStatuses().contains(299));
        assertFalse(check.expectedStatuses().contains(302), "a redirect to a login page is no health");
    }

    @Test
    void codesRangesAndClassesAreOneSetHoweverWritten() {
        assertEquals(List.of(new Range(200, 200)), check("expected-statuses = [200]").expectedStatuses().ranges());
        assertEquals(List.of(new Range(200, 399)), check("expected-statuses = [\"200-399\"]").expectedStatuses().ranges());
        assertEquals(List.of(new Range(200, 200), new Range(204, 204), new Range(300, 308)),
                check("expected-statuses = [\"300-308\", 204, 200]").expectedStatuses().ranges());
        // Adjacent and overlapping entries join, so a reload that only rewrites the list changes nothing.
        assertEquals(check("expected-statuses = [\"200-399\"]"),
                check("expected-statuses = [2xx, \"300 - 350\", \"351-399\", \"204\", 204]"));
        assertEquals(ExpectedStatuses.ANY_2XX, check("expected-statuses = [2XX]").expectedStatuses());
    }

    @Test
    void badStatusesAreRefusedWithTheirPathValueAndLine() {
        List<String> problems = problems("expected-statuses = [700, \"ok\", \"399-200\", \"200-600\", 204.5, {}, 42, 6xx]");
        assertEquals(List.of(
                "rampart.upstreams.app.health-check.expected-statuses[0]: " + EXPECTED + "700" + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[1]: " + EXPECTED + "\"ok\"" + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[2]: " + EXPECTED + "\"399-200\" (a range goes from"
                        + " the lower status to the higher)" + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[3]: " + EXPECTED + "\"200-600\"" + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[4]: " + EXPECTED + "204.5" + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[5]: " + EXPECTED + "an object" + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[6]: " + EXPECTED + "42" + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[7]: " + EXPECTED + "\"6xx\"" + at(3)),
                problems);
    }

    @Test
    void anInterimStatusIsRefusedSinceTheProbeReadsPastIt() {
        String why = " (a 1xx is no final answer: the probe reads past it to the status that follows)";
        List<String> problems = problems("expected-statuses = [100, \"101-299\", 1xx]");
        assertEquals(List.of(
                "rampart.upstreams.app.health-check.expected-statuses[0]: " + EXPECTED + "100" + why + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[1]: " + EXPECTED + "\"101-299\"" + why + at(3),
                "rampart.upstreams.app.health-check.expected-statuses[2]: " + EXPECTED + "\"1xx\"" + why + at(3)),
                problems);
    }

    @Test
    void anEmptyListOrOneThatIsNoListIsRefused() {
        List<String> empty = problems("expected-statuses = []");
        assertEquals(List.of("rampart.upstreams.app.health-check.expected-statuses: an empty list passes no answer:"
                + " name the statuses that pass, or leave the key out for any 2xx" + at(3)), empty);
        List<String> notAList = problems("expected-statuses = 200");
        assertEquals(List.of("rampart.upstreams.app.health-check.expected-statuses: expected a list, got 200" + at(3)),
                notAList);
    }

    @Test
    void theHostIsSentAsWritten() {
        assertEquals(Optional.of("Shop.Example.com"), check("host = \"Shop.Example.com\"").host());
        assertEquals(Optional.of("shop.example.com:8443"), check("host = \"shop.example.com:8443\"").host());
        assertEquals(Optional.of("10.0.0.7"), check("host = \"10.0.0.7\"").host());
        assertEquals(Optional.of("[2001:db8::1]:8080"), check("host = \"[2001:db8::1]:8080\"").host());
    }

    @Test
    void aHostThatIsNoHostValueIsRefused() {
        for (String bad : List.of("", " shop.example.com", "shop.example.com/", "http://shop.example.com",
                "user@shop", "shop:99999", "shop:", "two words", "a,b", "[1::2::3]", "127.1", "shop\\r\\nX-Evil: 1")) {
            List<String> problems = problems("host = \"" + bad + "\"");
            assertEquals(1, problems.size(), bad + ": " + problems);
            assertTrue(problems.get(0).startsWith("rampart.upstreams.app.health-check.host: " + EXPECTED_HOST + "\""),
                    problems.get(0));
            assertTrue(problems.get(0).endsWith(at(3)), problems.get(0));
        }
    }

    @Test
    void bothShowInTheEffectiveConfigAndReadBackAsTheSame() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams {
                    set { endpoints = ["127.0.0.1:8081"],
                          health-check { expected-statuses = [204, "300-308", 200], host = "shop.example.com" } }
                    plain { endpoints = ["127.0.0.1:8082"], health-check {} }
                  }
                  routes = [ { upstream = set }, { upstream = plain } ]
                }
                """);
        String text = EffectiveConfigRenderer.render(config);
        assertTrue(text.contains("expected-statuses = [200, 204, \"300-308\"]"), text);
        assertTrue(text.contains("host = \"shop.example.com\""), text);
        assertTrue(text.contains("expected-statuses = [\"200-299\"]"), text);
        assertTrue(text.contains("# no host: probes send the endpoint's host:port"), text);
        assertEquals(config, ConfigLoader.parse(text, "effective", Map.of()), text);
        String json = EffectiveConfigRenderer.renderJson(config);
        assertEquals(config, ConfigLoader.parse(json, "effective.json", Map.of()), json);
    }
}
