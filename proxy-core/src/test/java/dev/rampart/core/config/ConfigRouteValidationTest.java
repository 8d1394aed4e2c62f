package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rules that span keys or know the HTTP domain: routes and their upstreams, matches, rewrites,
 * endpoints, TLS files and ports. Same message shape as {@link ConfigValidationTest}.
 */
class ConfigRouteValidationTest extends RejectedConfigSupport {

    @Test
    void routeMustNameADeclaredUpstream() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] }, users { endpoints = ["127.0.0.1:8082"] } }
                  routes = [ { upstream = ap } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.routes[0].upstream: expected the name of an upstream (app, users), got \"ap\""
                + " (did you mean \"app\"?)" + at(3)), problems);
    }

    @Test
    void aRoutesOwnMaxRequestBodyIsASizeOfAtLeastOneByte() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { name = "zero", upstream = app, max-request-body = 0 },
                    { name = "lots", upstream = app, max-request-body = lots }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.routes[0].max-request-body: expected a size >= 1, got 0" + at(4),
                "rampart.routes[1].max-request-body: expected a size (e.g. 64k, 10m), got \"lots\"" + at(5)), problems);
    }

    @Test
    void routeNeedsExactlyOneOfUpstreamAndRespond() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { name = "both", upstream = app, respond { status = 204 } },
                    { name = "neither" }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.routes[0]: has both upstream and respond (expected exactly one)" + at(4),
                "rampart.routes[1]: has neither upstream nor respond (expected exactly one)" + at(5)),
                problems);
    }

    @Test
    void pathPrefixAndPathRegexExcludeEachOtherAndRegexMustCompile() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, match { path-prefix = "/a", path-regex = "^/a" } },
                    { upstream = app, match { path-regex = "^/(v1" } },
                    { upstream = app, match { path-prefix = "api" } }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(3, problems.size(), String.join("\n", problems));
        assertEquals("rampart.routes[0].match: has both path-prefix and path-regex (expected at most one)" + at(4),
                problems.get(0));
        assertTrue(problems.get(1).startsWith(
                "rampart.routes[1].match.path-regex: expected a regular expression, got \"^/(v1\" (Unclosed group"),
                problems.get(1));
        assertTrue(problems.get(1).endsWith(at(5)), problems.get(1));
        assertEquals("rampart.routes[2].match.path-prefix: expected a path starting with \"/\" of URI path characters"
                + " (others as %XX), got \"api\"" + at(6),
                problems.get(2));
    }

    @Test
    void endpointsMustParseAndMustNotBeEmpty() {
        String hocon = """
                rampart {
                  upstreams {
                    app { endpoints = ["localhost", "ftp://x:21", "127.0.0.1:8081", "127.0.0.1:8081"] }
                    none { endpoints = [] }
                    missing { connect-timeout = 1s }
                  }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.upstreams.app.endpoints[0]: missing port in \"localhost\" (expected: host:port)" + at(3),
                "rampart.upstreams.app.endpoints[1]: unsupported scheme in \"ftp://x:21\" (expected: http:// or https://)"
                        + at(3),
                "rampart.upstreams.app.endpoints[3]: duplicate endpoint 127.0.0.1:8081 (also endpoints[2])" + at(3),
                "rampart.upstreams.none.endpoints: expected at least one endpoint, got []" + at(4),
                "rampart.upstreams.missing.endpoints: missing (expected a list of host:port)" + at(5)),
                problems);
    }

    @Test
    void endpointHostsMustBeHostsWithoutCredentialsWhichTheMessageLeavesOut() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["http://user:pw@h:80", "bad host:80", "::1:8080", "[::1]:8080"] } }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        String expected = " (expected: a name, an IPv4 address or an [IPv6] address, then :port; no user:password@)";
        assertEquals(List.of(
                "rampart.upstreams.app.endpoints[0]: bad host in \"http://<redacted>@h:80\"" + expected + at(2),
                "rampart.upstreams.app.endpoints[1]: bad host in \"bad host:80\"" + expected + at(2),
                "rampart.upstreams.app.endpoints[2]: bad host in \"::1:8080\"" + expected + at(2)),
                problems);
    }

    @Test
    void aCredentialHeaderMatchsValueStaysOutOfItsProblem() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, match { headers { Authorization = ["Bearer s3cret"] } } },
                             { upstream = app, match { headers { X-Api-Key = " s3cret" } } },
                             { upstream = app, match { headers { X-Canary = [on] } } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(3, problems.size(), problems.toString());
        assertEquals("rampart.routes[0].match.headers.Authorization: expected a string, got a list (not shown: the name"
                + " suggests a credential)" + at(3), problems.get(0));
        assertEquals("rampart.routes[1].match.headers.X-Api-Key: a header value has no leading or trailing spaces:"
                + " this one (not shown: the name suggests a credential) can never match" + at(4), problems.get(1));
        assertTrue(problems.get(2).contains("[\"on\"]"), "another header's value is shown: " + problems.get(2));
    }

    @Test
    void aDirectResponsesContentTypeMustBeAHeaderValue() {
        String hocon = """
                rampart {
                  routes = [ { respond { content-type = "text/plain\\r\\nX-Injected: y" } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.routes[0].respond.content-type: must be a header value: no line breaks or"
                + " other control characters" + at(2)), problems);
    }

    @Test
    void aDirectResponsesContentTypeMustNotBeEmpty() {
        List<String> problems = problemsOf("rampart {\n  routes = [ { respond { content-type = \"\" } } ]\n}\n");
        assertEquals(List.of("rampart.routes[0].respond.content-type: must not be empty: a media type, such as"
                + " text/plain" + at(2)), problems);
    }

    @Test
    void aDirectResponsesContentTypeMustBeAMediaType() {
        String hocon = """
                rampart {
                  routes = [
                    { respond { content-type = " text/plain" } }
                    { respond { content-type = "text/plain; charset=\u00fctf-8" } }
                    { respond { content-type = "plain" } }
                    { respond { content-type = "text/plain;charset=\\\"a b\\\"" } }
                    { respond { content-type = "application/problem+json; charset=utf-8" } }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        String expected = " is not a media type: type/subtype, then any parameters, such as text/plain or"
                + " application/json; charset=utf-8";
        assertEquals(List.of(
                "rampart.routes[0].respond.content-type: \" text/plain\"" + expected + at(3),
                "rampart.routes[1].respond.content-type: \"text/plain; charset=\u00fctf-8\"" + expected + at(4),
                "rampart.routes[2].respond.content-type: \"plain\"" + expected + at(5)),
                problems);
    }

    @Test
    void routeNamesMustBeUnique() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { name = "api", upstream = app },
                    { name = "web", upstream = app },
                    { name = "api", upstream = app }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.routes[2].name: duplicate route name \"api\" (also rampart.routes[0])" + at(6)),
                problems);
    }

    @Test
    void aRouteWithoutANameWhoseDefaultIsTakenIsToldToTakeOne() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { name = "route-1", upstream = app }, { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[1].name: this route has no name, and the one its place"
                + " gives it, \"route-1\", is rampart.routes[0]'s: give it a name"), problems.get(0));
    }

    @Test
    void noneIsNotARouteNameSinceTheMetricsCountUnmatchedRequestsUnderIt() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { name = "api", upstream = app },
                    { name = "none", upstream = app }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.routes[1].name: \"none\" is reserved (requests no route matched are counted as"
                + " route=\"none\")" + at(5)), problems);
    }

    @Test
    void rewriteTakesExactlyOneForm() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, rewrite { strip-prefix = "/api", replace-prefix { from = "/api", to = "/v2" } } },
                    { upstream = app, rewrite { } },
                    { upstream = app, rewrite { replace-prefix { to = "/v2" } } }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.routes[0].rewrite: has more than one of strip-prefix, replace-prefix and regex (expected one)"
                        + at(4),
                "rampart.routes[1].rewrite: has none of strip-prefix, replace-prefix and regex (expected one)" + at(5),
                "rampart.routes[2].rewrite.replace-prefix.from: missing (expected the prefix to replace)" + at(6)),
                problems);
    }

    @Test
    void anEmptyMethodListIsRefusedRatherThanTakenAsAnyMethod() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, match { methods = [] }, retry { idempotent-methods = [] } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.routes[0].match.methods: an empty list matches no request: leave the key out to"
                + " match any method" + at(3)), problems, "no idempotent method is a choice; no method to match is not");
    }

    @Test
    void methodsThatAreNoListAreReportedOnce() {
        List<String> problems = problemsOf(withRoutes("    { upstream = app, match { methods = \"GET\" } }"));

        assertEquals(List.of("rampart.routes[0].match.methods: expected a list, got \"GET\"" + at(4)), problems);
    }

    @Test
    void refusedMethodsTakeNoWildcard() {
        List<String> problems = problemsOf("rampart {\n  server { refused-methods = [\"*\"] }\n"
                + "  routes = [ { respond { status = 200 } } ]\n}\n");
        assertEquals(List.of("rampart.server.refused-methods: \"*\" is no method: list the methods to refuse, such as"
                + " [TRACE, TRACK]" + at(2)), problems);
    }

    @Test
    void methodsAndHeaderNamesMustBeTokens() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ {
                    upstream = app
                    match { methods = ["GE T"], headers { "x canary" = "1", x-deny = " 0" } }
                    retry { idempotency-key-header = "Idempotency Key" }
                  } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.routes[0].match.methods[0]: expected an HTTP method, got \"GE T\"" + at(5),
                "rampart.routes[0].match.headers.\"x canary\": expected a header name, got \"x canary\"" + at(5),
                "rampart.routes[0].match.headers.x-deny: a header value has no leading or trailing spaces: \" 0\" can"
                        + " never match" + at(5),
                "rampart.routes[0].retry.idempotency-key-header: expected a header name or \"\", got \"Idempotency Key\""
                        + at(6)),
                problems);
    }

    @Test
    void tlsFilesMustExist() {
        String hocon = """
                rampart {
                  server {
                    tls {
                      cert-chain = "/nonexistent/rampart/tls.crt"
                    }
                  }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.server.tls.private-key: missing (expected the path of a PEM file)" + at(3),
                "rampart.server.tls.cert-chain: expected an existing file, got \"/nonexistent/rampart/tls.crt\"" + at(4)),
                problems);
    }

    @Test
    void adminAndServerCannotShareAPort() {
        String hocon = """
                rampart {
                  server { port = 8080 }
                  admin { port = 8080 }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.admin.port: expected a port other than rampart.server.port, got 8080" + at(3)),
                problems);
    }

    @Test
    void aNullUpstreamIsUnsetAndCannotBeRouted() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] }, app = null }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.routes[0].upstream: expected the name of an upstream (none are declared),"
                + " got \"app\"" + at(3)), problems);
    }
}
