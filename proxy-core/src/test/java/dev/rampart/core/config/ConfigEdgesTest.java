package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a config gets wrong at the edges: a misspelt key in any block is an unknown key, not a default silently
 * kept; a bound is inclusive at both ends; a duration from an environment variable needs its unit; a missing
 * {@code to}, an empty route name or a header matched twice is refused; endpoint ports and host names are held
 * to their limits.
 */
class ConfigEdgesTest extends RejectedConfigSupport {

    @Test
    void aMisspeltCircuitBreakerKeyIsAnUnknownKey() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], circuit-breaker { minimum_calls = 100 } } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(List.of("rampart.upstreams.app.circuit-breaker.minimum_calls: unknown key (did you mean"
                + " \"minimum-calls\"?)" + at(2)), problems);
    }

    @Test
    void anOpenDurationAboveTheDefaultMaxOpenDurationIsRefused() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], circuit-breaker { open-duration = 120s } } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(List.of("rampart.upstreams.app.circuit-breaker.open-duration: expected a duration <="
                + " max-open-duration (1m), got \"120s\"" + at(2)), problems);
    }

    @Test
    void anOpenDurationEqualToMaxOpenDurationIsAccepted() {
        UpstreamConfig app = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"],
                                    circuit-breaker { open-duration = 30s, max-open-duration = 30s } } }
                  routes = [ { upstream = app } ]
                }
                """).upstreams().get("app");
        assertEquals(Duration.ofSeconds(30), app.circuitBreaker().openDuration());
        assertEquals(Duration.ofSeconds(30), app.circuitBreaker().maxOpenDuration());
    }

    /** A duration that arrives as a string of digits, as every environment variable does, is not milliseconds. */
    @Test
    void aDurationFromAnEnvironmentVariableNeedsAUnit() {
        file = HoconFiles.write(dir, """
                rampart {
                  server { idle-timeout = ${?IDLE_TIMEOUT} }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        List<String> problems = HoconFiles.problems(file, Map.of("IDLE_TIMEOUT", "60"));
        assertEquals(List.of("rampart.server.idle-timeout: expected a duration > 0 (e.g. 250ms, 2s) with a unit,"
                + " got \"60\" (environment variable IDLE_TIMEOUT)"), problems);
    }

    @Test
    void anEmptyDurationIsReported() {
        List<String> problems = problemsOf("""
                rampart {
                  server { idle-timeout = "" }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(List.of("rampart.server.idle-timeout: expected a duration > 0 (e.g. 250ms, 2s) with a unit,"
                + " got \"\"" + at(2)), problems);
    }

    /** The top level, admin, request-id, access-log, and a route's respond, errors and each form of rewrite. */
    @Test
    void aMisspeltKeyInAnyBlockIsAnUnknownKey() {
        List<String> problems = problemsOf("""
                rampart {
                  admin { prot = 9902 }
                  request-id { headr = "X-Id" }
                  access-log { enable = false }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { respond { stauts = 404 } },
                    { upstream = app, errors { rewrite-upstreams = [4xx] } },
                    { upstream = app, rewrite { strip-prefix = "/a", replacment = "/b" } },
                    { upstream = app, rewrite { replace-prefix { from = "/a", to = "/b", too = "/c" } } },
                    { upstream = app, rewrite { regex = "^/a(.*)", replacement = "/b$1", flag = i } }
                  ]
                  rout = []
                }
                """);
        assertEquals(List.of(
                "rampart.admin.prot: unknown key (did you mean \"port\"?)" + at(2),
                "rampart.request-id.headr: unknown key (did you mean \"header\"?)" + at(3),
                "rampart.access-log.enable: unknown key (did you mean \"enabled\"?)" + at(4),
                "rampart.routes[0].respond.stauts: unknown key (did you mean \"status\"?)" + at(7),
                "rampart.routes[1].errors.rewrite-upstreams: unknown key (did you mean \"rewrite-upstream\"?)" + at(8),
                "rampart.routes[2].rewrite.replacment: unknown key (did you mean \"replacement\"?)" + at(9),
                "rampart.routes[3].rewrite.replace-prefix.too: unknown key (did you mean \"to\"?)" + at(10),
                "rampart.routes[4].rewrite.flag: unknown key" + at(11),
                "rampart.rout: unknown key (did you mean \"routes\"?)" + at(13)), problems);
    }

    @Test
    void replacePrefixWithoutToIsRefused() {
        List<String> problems = problemsOf(withRoutes("""
                    { upstream = app, rewrite { replace-prefix { from = "/api" } } }"""));
        assertEquals(List.of("rampart.routes[0].rewrite.replace-prefix.to: missing (expected the prefix to put in"
                + " its place)" + at(4)), problems);
    }

    @Test
    void anEmptyRouteNameIsRefused() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = "", upstream = app }"""));
        assertEquals(List.of("rampart.routes[0].name: expected a non-empty name, got \"\"" + at(4)), problems);
    }

    @Test
    void endpointPortsAreOneTo65535() {
        assertEquals(1, EndpointAddress.parse("127.0.0.1:1").port());
        assertEquals(65535, EndpointAddress.parse("127.0.0.1:65535").port());
        for (String bad : List.of("127.0.0.1:0", "127.0.0.1:65536")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> EndpointAddress.parse(bad), bad);
            assertEquals("bad port in \"" + bad + "\" (expected: 1-65535)", e.getMessage());
        }
    }

    @Test
    void hostNameLengthLimits() {
        String label63 = "a".repeat(63);
        String name253 = label63 + "." + label63 + "." + label63 + "." + "b".repeat(61);
        assertEquals(253, name253.length());
        assertEquals(null, EndpointAddress.nameProblem(name253));
        assertEquals(null, EndpointAddress.nameProblem(label63 + ".example"));
        assertEquals("a name is 1 to 253 characters", EndpointAddress.nameProblem(name253 + "c"));
        assertEquals("each dot-separated part of a name is 1 to 63 characters",
                EndpointAddress.nameProblem(label63 + "a.example"));
    }

    @Test
    void aNumberEqualToItsUpperBoundIsAccepted() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  server { max-header-count = 100000 }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, retry { status-codes = [599] } } ]
                }
                """);
        assertEquals(100_000, config.server().maxHeaderCount());
        assertEquals(java.util.Set.of(599), config.routes().get(0).retry().statusCodes());
    }

    /** A retry's backoff, retry-after and budget, an upstream's health-check and tls. */
    @Test
    void aMisspeltRetryOrUpstreamKeyIsAnUnknownKey() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"]
                                    health-check { intervall = 1s }
                                    tls { verify-hostnme = false } } }
                  routes = [ { upstream = app, retry { backoff { maximum = 10s }, retry-after { honour = false },
                                                       budget { min-per-sec = 1 } } } ]
                }
                """);
        assertEquals(List.of(
                "rampart.upstreams.app.health-check.intervall: unknown key (did you mean \"interval\"?)" + at(3),
                "rampart.upstreams.app.tls.verify-hostnme: unknown key (did you mean \"verify-hostname\"?)" + at(4),
                "rampart.routes[0].retry.backoff.maximum: unknown key" + at(5),
                "rampart.routes[0].retry.retry-after.honour: unknown key (did you mean \"honor\"?)" + at(5),
                "rampart.routes[0].retry.budget.min-per-sec: unknown key (did you mean \"min-per-second\"?)" + at(6)),
                problems);
    }

    @Test
    void aHeaderNamedTwiceInMatchIsRefused() {
        List<String> problems = problemsOf(withRoutes("""
                    { upstream = app, match { headers { "X-Env" = blue, "x-env" = green } } }"""));
        assertEquals(List.of("rampart.routes[0].match.headers.x-env: duplicate header \"x-env\" (header names ignore"
                + " case)" + at(4)), problems);
    }

    @Test
    void aBackoffWhoseMaxEqualsItsInitialIsAccepted() {
        BackoffConfig backoff = onlyRoute("""
                    { upstream = app, retry { backoff { initial = 1s, max = 1s } } }""").retry().backoff();
        assertEquals(Duration.ofSeconds(1), backoff.initial());
        assertEquals(Duration.ofSeconds(1), backoff.max());
    }
}
