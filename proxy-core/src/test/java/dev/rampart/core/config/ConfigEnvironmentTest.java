package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${?VAR}} substitution from an injected environment, as the bundled config uses it. */
class ConfigEnvironmentTest {

    private static final String SIDECAR = """
            rampart {
              server {
                port = 8080
                port = ${?RAMPART_PORT}
              }
              admin {
                port = 9901
                port = ${?RAMPART_ADMIN_PORT}
              }
              upstreams {
                app {
                  endpoints = ["127.0.0.1:8081"]
                  endpoints = ${?RAMPART_UPSTREAM}
                }
              }
              routes = [ { upstream = app } ]
            }
            """;

    @TempDir
    Path dir;

    @Test
    void unsetVariablesLeaveTheFileValues() {
        RampartConfig config = ConfigLoader.load(HoconFiles.write(dir, SIDECAR), Map.of());
        assertEquals(8080, config.server().port());
        assertEquals(9901, config.admin().port());
        assertEquals(List.of(new EndpointAddress(false, "127.0.0.1", 8081)), config.upstreams().get("app").endpoints());
    }

    @Test
    void setVariablesOverrideTheFileValues() {
        RampartConfig config = ConfigLoader.load(HoconFiles.write(dir, SIDECAR), Map.of(
                "RAMPART_PORT", "18080", "RAMPART_ADMIN_PORT", "0", "RAMPART_UPSTREAM", "app.internal:9000"));
        assertEquals(18080, config.server().port());
        assertEquals(0, config.admin().port());
        assertEquals(List.of(new EndpointAddress(false, "app.internal", 9000)), config.upstreams().get("app").endpoints());
    }

    @Test
    void aLineBreakInAVariableIsShownEscapedAndCannotForgeALineOfTheLog() {
        String forged = "127.0.0.1:1\n2026-12-03T09:00:00.000Z INFO  [main] rampart - FORGED";
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.load(HoconFiles.write(dir, SIDECAR), Map.of("RAMPART_UPSTREAM", forged)));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(
                e.getMessage().contains("127.0.0.1:1\\n2026-12-03T09:00:00.000Z INFO"), e.getMessage());
    }

    @Test
    void aControlCharacterInAProblemIsEscapedToo() {
        ConfigException e = new ConfigException(List.of("key: got \"a\u001b[2Jb\tc\r\""));
        assertEquals(List.of("key: got \"a\\u001b[2Jb\\tc\\r\""), e.problems());
    }

    @Test
    void anEndpointVariableMayListSeveralEndpoints() {
        RampartConfig config = ConfigLoader.load(HoconFiles.write(dir, SIDECAR),
                Map.of("RAMPART_UPSTREAM", "10.0.0.1:80, https://10.0.0.2"));
        assertEquals(List.of(new EndpointAddress(false, "10.0.0.1", 80), new EndpointAddress(true, "10.0.0.2", 443)),
                config.upstreams().get("app").endpoints());
    }

    @Test
    void aBadVariableIsBlamedOnTheVariable() {
        List<String> problems = HoconFiles.problems(HoconFiles.write(dir, SIDECAR),
                Map.of("RAMPART_PORT", "eighty", "RAMPART_UPSTREAM", "app.internal"));
        assertEquals(List.of(
                "rampart.server.port: expected a number, got \"eighty\" (environment variable RAMPART_PORT)",
                "rampart.upstreams.app.endpoints[0]: missing port in \"app.internal\" (expected: host:port)"
                        + " (environment variable RAMPART_UPSTREAM)"),
                problems);
    }

    @Test
    void variablesWorkInsideStringsAndForBooleans() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  access-log.enabled = ${?LOG}
                  request-id.header = "X-"${NAME}"-Id"
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """, "inline", Map.of("LOG", "false", "NAME", "Trace"));
        assertEquals(false, config.accessLog().enabled());
        assertEquals("X-Trace-Id", config.requestId().header());
    }

    @Test
    void theInjectedEnvironmentReplacesTheProcessEnvironment() {
        // A test (or a reload with a captured environment) must not see the real process environment.
        String present = System.getenv().keySet().stream()
                .filter(k -> k.matches("[A-Za-z_][A-Za-z0-9_]*")).findFirst().orElseThrow();
        List<String> problems = HoconFiles.problems(HoconFiles.write(dir, """
                rampart {
                  request-id.header = ${%s}
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(present)));
        assertEquals(1, problems.size(), String.join("\n", problems));
        assertEquals(true, problems.get(0).startsWith("could not resolve substitution to a value: ${" + present + "}"),
                problems.get(0));
    }

    @Test
    void aMissingVariableGetsTheOptionalHintAndASubstitutionCycleDoesNot() {
        List<String> missing = HoconFiles.problems(HoconFiles.write(dir, """
                rampart {
                  server.port = ${RAMPART_TEST_NO_SUCH_VARIABLE}
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """));
        assertEquals(true, missing.get(0).contains("(a required substitution; ${?NAME} makes it optional)"),
                missing.get(0));
        List<String> cycle = HoconFiles.problems(HoconFiles.write(dir, """
                rampart {
                  server.port = ${rampart.admin.port}
                  admin.port = ${rampart.server.port}
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """));
        assertEquals(1, cycle.size(), String.join("\n", cycle));
        assertEquals(true, cycle.get(0).contains("cycle") && !cycle.get(0).contains("makes it optional"), cycle.get(0));
    }
}
