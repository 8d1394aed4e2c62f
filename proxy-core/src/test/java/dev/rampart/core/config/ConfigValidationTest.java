package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rejected values of every kind, with the exact message an operator sees: key path, what was
 * expected, what was got, and the real file and line of the offending value.
 */
class ConfigValidationTest extends RejectedConfigSupport {

    @Test
    void wrongTypeNamesPathExpectationValueFileAndLine() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app },
                    { upstream = app },
                    {
                      upstream = app
                      retry {
                        attempts = "three"
                      }
                    }
                  ]
                }
                """);
        assertEquals(List.of("rampart.routes[2].retry.attempts: expected a number, got \"three\"" + at(9)), problems);
    }

    @Test
    void wrongTypesOfEveryKind() {
        String hocon = """
                rampart {
                  server { port = [8080], idle-timeout = "soon", max-request-body = "lots" }
                  access-log { enabled = "maybe" }
                  request-id = "X-Id"
                  upstreams { app { endpoints = "127.0.0.1:8081", circuit-breaker { window = 10 } } }
                  routes = [ { upstream = app, retry { on = connect-failure } }, "catch-all" ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.server.port: expected a number, got [8080]" + at(2),
                "rampart.server.idle-timeout: expected a duration > 0 (e.g. 250ms, 2s), got \"soon\"" + at(2),
                "rampart.server.max-request-body: expected a size (e.g. 64k, 10m), got \"lots\"" + at(2),
                "rampart.access-log.enabled: expected true or false, got \"maybe\"" + at(3),
                "rampart.request-id: expected an object, got \"X-Id\"" + at(4),
                "rampart.upstreams.app.circuit-breaker.window: expected a duration > 0 (e.g. 250ms, 2s) with a unit, got 10"
                        + at(5),
                "rampart.routes[0].retry.on: expected a list, got \"connect-failure\"" + at(6),
                "rampart.routes[1]: expected an object, got \"catch-all\"" + at(6)),
                problems);
    }

    @Test
    void aSizeWithAUnitTooLargeFor64BitsIsTheLargestOneWhereTheKeyHasNoBound() {
        String server = "rampart.server.";
        assertEquals(Long.MAX_VALUE, HoconFiles.load(dir, HoconFiles.MINIMAL + server + "max-request-body = 10000000000g\n")
                .server().maxRequestBody(), "no limit, as a plain number that large is taken");
        assertEquals(Long.MAX_VALUE, HoconFiles.load(dir, HoconFiles.MINIMAL + server
                + "max-replay-memory = 20000000000g\n").server().maxReplayMemory());
        List<String> bounded = problemsOf(HoconFiles.MINIMAL + server + "max-header-size = 10000000000g\n");
        assertEquals(1, bounded.size(), bounded.toString());
        assertTrue(bounded.get(0).startsWith("rampart.server.max-header-size: expected a size 1-2147483647 bytes, got"
                + " \"10000000000g\""), bounded.get(0));
        List<String> notASize = problemsOf(HoconFiles.MINIMAL + server + "max-request-body = 10000000000parsecs\n");
        assertEquals(1, notASize.size(), notASize.toString());
        assertTrue(notASize.get(0).startsWith("rampart.server.max-request-body: expected a size (e.g. 64k, 10m)"),
                notASize.get(0));
    }

    @Test
    void replayMemoryIsASizeOrAuto() {
        String server = "rampart.server.max-replay-memory = ";
        assertEquals(ServerConfig.AUTO_REPLAY_MEMORY, HoconFiles.load(dir, HoconFiles.MINIMAL).server().maxReplayMemory());
        assertEquals(ServerConfig.AUTO_REPLAY_MEMORY,
                HoconFiles.load(dir, HoconFiles.MINIMAL + server + "auto\n").server().maxReplayMemory());
        assertEquals(ServerConfig.AUTO_REPLAY_MEMORY,
                HoconFiles.load(dir, HoconFiles.MINIMAL + server + "\"AUTO\"\n").server().maxReplayMemory(),
                "in any case, as every other word a key takes");
        assertEquals(512L * 1024 * 1024,
                HoconFiles.load(dir, HoconFiles.MINIMAL + server + "512m\n").server().maxReplayMemory());
        assertEquals(0, HoconFiles.load(dir, HoconFiles.MINIMAL + server + "0\n").server().maxReplayMemory(),
                "0: no body is kept for a replay");
        int line = lineOf(HoconFiles.MINIMAL + server, server);
        for (String bad : List.of("plenty", "\"12 parsecs\"", "-1", "1.5", "{}")) {
            List<String> problems = problemsOf(HoconFiles.MINIMAL + server + bad + "\n");
            assertEquals(1, problems.size(), bad + ": " + problems);
            assertTrue(problems.get(0).startsWith("rampart.server.max-replay-memory: expected a whole size (e.g. 512m)"
                    + " or auto, got "), problems.get(0));
            assertTrue(problems.get(0).endsWith(at(line)), problems.get(0));
        }
    }

    @Test
    void proxyProtocolIsOffUnlessSetAndTakesOnlyTrueOrFalse() {
        String server = "rampart.server.proxy-protocol = ";
        assertEquals(false, HoconFiles.load(dir, HoconFiles.MINIMAL).server().proxyProtocol());
        assertEquals(true, HoconFiles.load(dir, HoconFiles.MINIMAL + server + "true\n").server().proxyProtocol());
        int line = lineOf(HoconFiles.MINIMAL + server, server);
        List<String> problems = problemsOf(HoconFiles.MINIMAL + server + "v2\n");
        assertEquals(List.of("rampart.server.proxy-protocol: expected true or false, got \"v2\"" + at(line)), problems);
    }

    @Test
    void proxyProtocolFromListsTheBalancersAndNeedsProxyProtocol() {
        String from = "rampart.server.proxy-protocol-from = ";
        assertEquals(List.of(AddressRange.parse("10.0.0.0/8"), AddressRange.parse("192.0.2.7")), HoconFiles.load(dir,
                HoconFiles.MINIMAL + "rampart.server.proxy-protocol = true\n" + from + "[\"10.0.0.0/8\", \"192.0.2.7\"]\n")
                .server().proxyProtocolFrom());
        assertEquals(List.of(), HoconFiles.load(dir, HoconFiles.MINIMAL).server().proxyProtocolFrom());
        int line = lineOf(HoconFiles.MINIMAL + from, from);
        List<String> alone = problemsOf(HoconFiles.MINIMAL + from + "[\"10.0.0.0/8\"]\n");
        assertEquals(List.of("rampart.server.proxy-protocol-from: is read only with proxy-protocol = true (the balancers"
                + " that send the header)" + at(line)), alone);
        List<String> bad = problemsOf(HoconFiles.MINIMAL + "rampart.server.proxy-protocol = true\n" + from
                + "[\"10.0.0.0/33\"]\n");
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).startsWith("rampart.server.proxy-protocol-from[0]: "), bad.get(0));
    }

    @Test
    void numbersOutOfRange() {
        String hocon = """
                rampart {
                  server { port = 70000, max-connections = 0 }
                  upstreams {
                    app {
                      endpoints = ["127.0.0.1:8081"]
                      circuit-breaker { failure-rate-threshold = 150, slow-call-rate-threshold = -1 }
                      connect-timeout = 0s, pool-max-connection-age = -1s
                    }
                  }
                  routes = [ {
                    upstream = app
                    retry {
                      attempts = 0
                      status-codes = [429, 700, 302]
                      backoff { multiplier = 0.5 }
                      budget { ratio = -0.1 }
                    }
                    respond { status = 100 }
                    timeout = -1s
                  } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertTrue(problems.containsAll(List.of(
                "rampart.server.port: expected a port 0-65535, got 70000" + at(2),
                "rampart.server.max-connections: expected a number >= 1, got 0" + at(2),
                "rampart.upstreams.app.circuit-breaker.failure-rate-threshold: expected a percentage 0-100, got 150" + at(6),
                "rampart.upstreams.app.circuit-breaker.slow-call-rate-threshold: expected a percentage 0-100, got -1" + at(6),
                "rampart.upstreams.app.connect-timeout: expected a duration > 0 (e.g. 250ms, 2s), got \"0s\"" + at(7),
                "rampart.upstreams.app.pool-max-connection-age: expected a duration (e.g. 250ms, 2s), got \"-1s\"" + at(7),
                "rampart.routes[0].retry.attempts: expected a number >= 1, got 0" + at(13),
                "rampart.routes[0].retry.status-codes[1]: expected an error status code 400-599, got 700" + at(14),
                "rampart.routes[0].retry.status-codes[2]: expected an error status code 400-599, got 302" + at(14),
                "rampart.routes[0].retry.backoff.multiplier: expected a number >= 1, got 0.5" + at(15),
                "rampart.routes[0].retry.budget.ratio: expected a number >= 0, got -0.1" + at(16),
                "rampart.routes[0].respond.status: expected a status code 200-599, got 100" + at(18),
                "rampart.routes[0].timeout: expected a duration > 0 (e.g. 250ms, 2s), got \"-1s\"" + at(19))),
                String.join("\n", problems));
    }

    @Test
    void listenerHostsMustBeHostNamesOrAddresses() {
        String hocon = """
                rampart {
                  server { host = "not a host!!" }
                  admin { host = "a b" }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.server.host: expected a host name or address, got \"not a host!!\"" + at(2),
                "rampart.admin.host: expected a host name or address, got \"a b\"" + at(3)), problems);
        List<String> bracketed = problemsOf(hocon.replace("not a host!!", "[::1]").replace("a b", "127.0.0.1"));
        assertEquals(List.of("rampart.server.host: expected a host name or address (an IPv6 address without the"
                + " brackets of a URL: ::1), got \"[::1]\"" + at(2)), bracketed);
        for (String fine : new String[] {"0.0.0.0", "::", "::1", "localhost", "my-host.internal"}) {
            RampartConfig config = ConfigLoader.parse(hocon.replace("not a host!!", fine).replace("a b", "127.0.0.1"), fine);
            assertEquals(fine, config.server().host());
        }
    }

    @Test
    void aWholeNumberIsRequiredWhereCountsAreExpected() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, retry { attempts = 2.5 } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.routes[0].retry.attempts: expected a whole number, got 2.5" + at(3)),
                problems);
    }

    @Test
    void aWholeNumberPastTheLargestTakenNamesThatLimit() {
        String hocon = """
                rampart {
                  server { max-connections = 99999999999 }
                  upstreams { app { endpoints = ["127.0.0.1:8081"], max-connections-per-endpoint = 1e30 } }
                  routes = [ { upstream = app, retry { attempts = 0 } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.server.max-connections: expected a number >= 1, at most 2147483647, got 99999999999" + at(2),
                "rampart.upstreams.app.max-connections-per-endpoint: expected a number >= 1, at most 2147483647,"
                        + " got 1000000000000000000000000000000" + at(3),
                "rampart.routes[0].retry.attempts: expected a number >= 1, got 0" + at(4)), problems);
    }

    @Test
    void unknownKeysAreErrorsWithADidYouMeanHint() {
        String hocon = """
                rampart {
                  server { colour = blue }
                  upstreams { app { endpoints = ["127.0.0.1:8081"], loadbalancing = random } }
                  routes = [ {
                    upstream = app
                    retyr { attempts = 2 }
                    retry { per_try_timeout = 1s }
                    match { path-prefx = "/api" }
                  } ]
                }
                rampat { }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.server.colour: unknown key" + at(2),
                "rampart.upstreams.app.loadbalancing: unknown key (did you mean \"load-balancing\"?)" + at(3),
                "rampart.routes[0].retyr: unknown key (did you mean \"retry\"?)" + at(6),
                "rampart.routes[0].retry.per_try_timeout: unknown key (did you mean \"per-try-timeout\"?)" + at(7),
                // a match that would otherwise take every path
                "rampart.routes[0].match.path-prefx: unknown key (did you mean \"path-prefix\"?)" + at(8),
                "rampat: unknown key (did you mean \"rampart\"?)" + at(11)),
                problems);
    }

    @Test
    void aRealKeyAtTheWrongLevelIsToldWhereItGoes() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], retry { attempts = 2 } } }
                  routes = [ {
                    upstream = app
                    path-prefix = "/api"
                    circuit-breaker { consecutive-failures = 3 }
                    match { prefix = "/v1" }
                  } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.upstreams.app.retry: unknown key (a route's key: it goes in a route of routes = [ ... ])"
                        + at(2),
                "rampart.routes[0].path-prefix: unknown key (it goes inside the route's match { ... })" + at(5),
                "rampart.routes[0].circuit-breaker: unknown key (an upstream's key: it goes in upstreams.<name> { ... },"
                        + " which the route names)" + at(6),
                "rampart.routes[0].match.prefix: unknown key (did you mean \"path-prefix\"?)" + at(7)),
                problems);
    }

    @Test
    void unknownEnumValuesListTheAllowedOnes() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], load-balancing = fastest } }
                  routes = [ {
                    upstream = app
                    retry { on = [connect-failure, oops], backoff { jitter = some } }
                    errors { rewrite-upstream = [3xx, 5xx] }
                  } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.upstreams.app.load-balancing: expected one of round-robin, least-request, random, consistent-hash, got \"fastest\""
                        + at(2),
                "rampart.routes[0].retry.on[1]: expected one of connect-failure, reset, timeout, gateway-error, 5xx,"
                        + " status-codes, got \"oops\"" + at(5),
                "rampart.routes[0].retry.backoff.jitter: expected one of full, equal, none, got \"some\"" + at(5),
                "rampart.routes[0].errors.rewrite-upstream[0]: expected one of 4xx, 5xx, got \"3xx\"" + at(6)),
                problems);
    }

    @Test
    void digitsOfOtherScriptsAreNotNumbers() {
        String hocon = """
                rampart {
                  server { port = "\u0668\u0660", max-request-body = "\u0668k" }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, retry { attempts = "\u0663" } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.server.port: expected a number, got \"\u0668\u0660\"" + at(2),
                "rampart.server.max-request-body: expected a size (e.g. 64k, 10m), got \"\u0668k\"" + at(2),
                "rampart.routes[0].retry.attempts: expected a number, got \"\u0663\"" + at(4)),
                problems);
        assertEquals(80, HoconFiles.load(dir, HoconFiles.MINIMAL + "rampart.server.port = \"80\"\n").server().port(),
                "ASCII digits in a string are still a number");
    }

    @Test
    void orderedDurationsAreChecked() {
        String hocon = """
                rampart {
                  upstreams { app {
                    endpoints = ["127.0.0.1:8081"]
                    circuit-breaker { open-duration = 10s, max-open-duration = 5s }
                  } }
                  routes = [ { upstream = app, retry { backoff { initial = 3s } } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.upstreams.app.circuit-breaker.max-open-duration: expected a duration >= open-duration (10s),"
                        + " got \"5s\"" + at(4),
                "rampart.routes[0].retry.backoff.initial: expected a duration <= max (2s), got \"3s\"" + at(6)),
                problems);
    }

    @Test
    void missingRampartBlockAndMissingRoutes() {
        List<String> nothing = problemsOf("# nothing here\n");
        assertEquals(List.of("rampart: missing (expected a rampart { ... } block)" + at(1)), nothing);
        String noRoutes = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                }
                """;
        List<String> missing = problemsOf(noRoutes);
        assertEquals(List.of("rampart.routes: missing (expected a list of routes)" + at(1)), missing);
        String emptyRoutes = """
                rampart {
                  routes = []
                }
                """;
        List<String> empty = problemsOf(emptyRoutes);
        assertEquals(List.of("rampart.routes: expected at least one route, got []" + at(2)), empty);
    }

    @Test
    void everyProblemIsReportedInFileOrder() {
        String hocon = """
                rampart {
                  routes = [ { upstream = nowhere, timeout = 1 } ]
                  admin { port = "x" }
                  server { port = -5 }
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.routes[0].upstream: expected the name of an upstream (none are declared), got \"nowhere\"" + at(2),
                "rampart.routes[0].timeout: expected a duration > 0 (e.g. 250ms, 2s) with a unit, got 1" + at(2),
                "rampart.admin.port: expected a number, got \"x\"" + at(3),
                "rampart.server.port: expected a port 0-65535, got -5" + at(4)),
                problems);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertEquals(String.join("\n", problems), e.getMessage());
    }

    @Test
    void lineNumbersComeFromTheFileNotFromTheTest() {
        String hocon = "\n\n\n" + """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, retry { attempts = "three" } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.routes[0].retry.attempts: expected a number, got \"three\""
                + at(lineOf(hocon, "three"))), problems);
        assertEquals(6, lineOf(hocon, "three"));
    }
}
