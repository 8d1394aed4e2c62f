package dev.rampart.core.config;

import static dev.rampart.core.config.RouteWarnings.warningsFor;
import static dev.rampart.core.config.RouteWarnings.warningsForRoutes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dangerous combinations {@code --check} warns about, and the safe ones it stays quiet on. */
class ConfigWarningsTest {

    @Test
    void aReplacePrefixThatAddsASlashTheMatchDoesNotEndWithIsTheOffBySlashMistake() {
        assertEquals(List.of("route \"orders\": rewrite.replace-prefix from \"/files\" to \"/public/\" makes"
                        + " \"/files../x\" into \"/public/../x\", outside \"/public/\"; end both with \"/\" or neither"),
                warningsFor("rewrite { replace-prefix { from = \"/files\", to = \"/public/\" } }"));
        assertEquals(List.of(), warningsFor("rewrite { replace-prefix { from = \"/files/\", to = \"/public/\" } }"));
        assertEquals(List.of(), warningsFor("rewrite { replace-prefix { from = \"/files\", to = \"/public\" } }"));
        assertEquals(List.of(), warningsFor("match { path-prefix = \"/files/\" },"
                + " rewrite { replace-prefix { from = \"/files\", to = \"/public/\" } }"), "/files.. never reaches it");
        assertEquals(List.of(), warningsFor("rewrite { replace-prefix { from = \"/files\", to = \"/\" } }"),
                "nothing is outside /");
        assertEquals(List.of(), warningsFor("match { path-prefix = \"/cfiles\" },"
                + " rewrite { replace-prefix { from = \"/cfil\", to = \"/public/\" } }"), "/cfil../x never reaches it");
        assertEquals(List.of(), warningsFor("match { path-regex = \"^/f/\" },"
                + " rewrite { replace-prefix { from = \"/f\", to = \"/public/\" } }"), "a regex is not guessed at");
        assertEquals(List.of("route \"orders\": rewrite.replace-prefix from \"/b/\" to \"/pb\" makes \"/b/x\" into"
                        + " \"/pbx\"; end both with \"/\" or neither"),
                warningsFor("rewrite { replace-prefix { from = \"/b/\", to = \"/pb\" } }"), "the slash lost the other way");
    }

    @Test
    void aPrefixRewriteNoPathOfTheRouteStartsWithIsAWarning() {
        assertEquals(List.of("route \"orders\": rewrite.strip-prefix \"/v1\" never applies: every path the route takes"
                        + " starts with its path-prefix \"/api\", so each goes upstream unchanged"),
                warningsFor("match { path-prefix = \"/api\" }, rewrite { strip-prefix = \"/v1\" }"));
        assertEquals(List.of("route \"orders\": rewrite.replace-prefix from \"/API\" never applies: every path the"
                        + " route takes starts with its path-prefix \"/api/\", so each goes upstream unchanged"),
                warningsFor("match { path-prefix = \"/api/\" }, rewrite { replace-prefix { from = \"/API\", to = \"/v2\" } }"),
                "prefixes are compared case-sensitively, as requests are");
        assertEquals(List.of(), warningsFor("match { path-prefix = \"/api/\" }, rewrite { strip-prefix = \"/api\" }"));
        assertEquals(List.of(), warningsFor("match { path-prefix = \"/api\" }, rewrite { strip-prefix = \"/api/v1\" }"),
                "some of its paths start with it");
        assertEquals(List.of(), warningsFor("rewrite { strip-prefix = \"/v1\" }"), "the default prefix / takes /v1");
        assertEquals(List.of(), warningsFor("match { path-regex = \"^/a\" }, rewrite { strip-prefix = \"/v1\" }"),
                "a regex is not guessed at");
    }

    @Test
    void aRegexThatBeginsWithDotStarAndNoCaretIsAWarning() {
        assertEquals(List.of("route \"orders\": path-regex \".*\\.php$\" begins with .* and no ^, so it is tried"
                        + " from every position of the path and reads it once per position: a long path costs its length"
                        + " squared (or the regex budget's 500); write \"^.*\\.php$\""),
                warningsFor("match { path-regex = \".*\\\\.php$\" }"));
        assertEquals(1, warningsFor("rewrite { regex = \".+/old/\", replacement = \"/new/\" }").size());
        assertEquals(List.of(), warningsFor("match { path-regex = \"^.*\\\\.php$\" }"));
        List<String> grouped = warningsFor("match { path-regex = \"(.*)\\\\.jsp$\" }");
        assertEquals(1, grouped.size(), "a group's opening first: " + grouped);
        assertTrue(grouped.get(0).endsWith("write \"^(.*)\\.jsp$\""), grouped.get(0));
        List<String> flagged = warningsFor("match { path-regex = \"(?i).*?\\\\.asp$\" }");
        assertEquals(1, flagged.size(), "inline flags first, a lazy .*: " + flagged);
        assertTrue(flagged.get(0).endsWith("write \"(?i)^.*?\\.asp$\""), flagged.get(0));
        assertEquals(List.of(), warningsFor("match { path-regex = \"\\\\.php$\" }"));
    }

    @Test
    void aDenyFromThatHoldsEveryAddressTheRouteWouldServeIsAWarning() {
        assertEquals(List.of("route \"orders\": deny-from holds every address allow-from lists, so the route refuses"
                        + " every client 403 ACCESS_DENIED"),
                warningsFor("allow-from = [\"10.1.0.0/16\", \"10.2.3.4\"], deny-from = [\"10.0.0.0/8\"]"));
        assertEquals(List.of("route \"orders\": deny-from holds every address there is, so the route refuses every"
                + " client 403 ACCESS_DENIED"), warningsFor("deny-from = [\"0.0.0.0/0\", \"::/0\"]"));
        assertEquals(List.of(), warningsFor("deny-from = [\"0.0.0.0/0\"]"), "IPv6 clients are still served");
        assertEquals(List.of(), warningsFor("allow-from = [\"10.0.0.0/8\"], deny-from = [\"10.6.0.0/16\"]"));
    }

    @Test
    void aPathPrefixWithAPathParameterCanServeNothingUnderIt() {
        assertEquals(List.of("route \"orders\": path-prefix \"/svc;v=2/\" has a path parameter (\";\"); a request"
                        + " with a segment after the parameter is refused 400 BAD_REQUEST as ambiguous, as any whose"
                        + " parameters are not in its last segment"), warningsFor("match { path-prefix = \"/svc;v=2/\" }"));
        assertEquals(List.of(), warningsFor("match { path-prefix = \"/svc/v2/\" }"));
    }

    @Test
    void requestHeaderRulesOnARouteThatSendsNoRequestAreAWarning() {
        assertEquals(List.of("route \"moved\": request-headers change nothing on a respond route, which sends no"
                + " request upstream (response-headers change its answer)"),
                warningsForRoutes("{ name = moved, respond { status = 301 }, request-headers { remove = [X-Debug] } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = moved, respond { status = 301 },"
                + " response-headers { set { Location = \"https://example.com/\" } } }"));
    }

    @Test
    void aKeySetFetchedOverPlainHttpFromAnotherMachineIsAWarning() {
        String scoped = ", issuer = i, audiences = [a] } }";
        assertEquals(List.of("route \"api\": jwt.jwks-uri http://keys.internal/jwks is plain http, so whoever is on the"
                + " way can replace the keys and sign tokens of their own: use https"),
                warningsForRoutes("{ name = api, upstream = app, jwt { jwks-uri = \"http://keys.internal/jwks\"" + scoped));
        for (String loud : List.of("http://127.evil.example/jwks", "http://127.0.0.1.nip.io/jwks", "http://localhost.evil.example/j")) {
            assertEquals(1, warningsForRoutes("{ name = api, upstream = app, jwt { jwks-uri = \"" + loud + "\"" + scoped)
                    .size(), loud + ": a name that starts like loopback is no loopback address");
        }
        for (String quiet : List.of("https://keys.internal/jwks", "http://127.0.0.1:8200/jwks", "http://localhost/jwks",
                "http://127.0.0.2/jwks", "http://[::1]:8200/jwks")) {
            assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, jwt { jwks-uri = \"" + quiet + "\""
                    + scoped), quiet);
        }
    }

    @Test
    void aJwtClockSkewOfMoreThanFiveMinutesIsAWarning(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String jwt = "jwks-file = \"" + dev.rampart.core.testing.TestTokens.writePublicKeySet(dir)
                + "\", issuer = i, audiences = [a]";
        assertEquals(List.of("route \"api\": jwt.clock-skew 1h keeps every token good that long past its exp, a"
                + " stolen one included; clocks kept by NTP need seconds (Envoy's default is 60s)"),
                warningsForRoutes("{ name = api, upstream = app, jwt { " + jwt + ", clock-skew = 1h } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, jwt { " + jwt + ", clock-skew = 5m } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, jwt { " + jwt + " } }"));
    }

    @Test
    void aJwtWithoutIssuerOrAudiencesIsAWarning(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String jwks = "jwks-file = \"" + dev.rampart.core.testing.TestTokens.writePublicKeySet(dir) + "\"";
        assertEquals(List.of("route \"api\": jwt names no issuer, so it takes tokens the key set's owner made for any"
                + " other service too: set issuer and audiences"),
                warningsForRoutes("{ name = api, upstream = app, jwt { " + jwks + ", audiences = [a] } }"));
        assertEquals(List.of("route \"api\": jwt names no audiences, so it takes tokens the key set's owner made for"
                + " any other service too: set issuer and audiences"),
                warningsForRoutes("{ name = api, upstream = app, jwt { " + jwks + ", issuer = i } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, jwt { " + jwks
                + ", issuer = i, audiences = [a] } }"));
    }

    @Test
    void corsOnARouteWhoseMethodsLeaveOutOptionsIsAWarning() {
        assertEquals(List.of("route \"api\": cors never sees a preflight, which is an OPTIONS request, since"
                + " match.methods leaves OPTIONS out: add it"), warningsForRoutes("{ name = api, upstream = app,"
                + " match { methods = [GET, POST] }, cors { allow-origins = [\"https://a.test\"] } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, match { methods = [GET, OPTIONS] },"
                + " cors { allow-origins = [\"https://a.test\"] } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, cors { allow-origins = [\"*\"] } }"));
    }

    @Test
    void responseHeaderRulesOnAccessControlHeadersBesideCorsAreAWarning() {
        assertEquals(List.of("route \"api\": response-headers change Access-Control-* headers that cors sets: an"
                + " added one gives browsers two answers, which they refuse; leave CORS to cors"),
                warningsForRoutes("{ name = api, upstream = app, cors { allow-origins = [\"https://a.test\"] },"
                        + " response-headers { add { \"Access-Control-Allow-Origin\" = \"*\" } } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app,"
                + " response-headers { add { \"Access-Control-Allow-Origin\" = \"*\" } } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, cors { allow-origins = [\"https://a.test\"] },"
                + " response-headers { remove = [Access_Control_Allow_Origin] } }"),
                "on a response a name is only itself: this one is not cors's");
    }

    @Test
    void responseHeaderRulesThatRemoveOrSetVaryBesideCorsAreAWarning() {
        String warning = "route \"api\": response-headers remove or set Vary, which cors fills with Origin: a shared"
                + " cache could give one origin's answer to another; add to Vary instead";
        for (String rules : new String[] {"remove = [vary]", "set { Vary = Cookie }"}) {
            assertEquals(List.of(warning), warningsForRoutes("{ name = api, upstream = app,"
                    + " cors { allow-origins = [\"https://a.test\"] }, response-headers { " + rules + " } }"), rules);
        }
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app,"
                + " cors { allow-origins = [\"https://a.test\"] }, response-headers { add { Vary = Cookie } } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, response-headers { remove = [Vary] } }"));
    }

    @Test
    void responseHeaderRulesThatRemoveOrSetVaryBesideCompressionAreAWarning() {
        String warning = "route \"api\": response-headers remove or set Vary, which compression fills with"
                + " Accept-Encoding: a shared cache could give gzip to a client that cannot read it; add to Vary instead";
        for (String rules : new String[] {"remove = [Vary]", "set { vary = Cookie }"}) {
            assertEquals(List.of(warning), warningsForRoutes("{ name = api, upstream = app, compression {},"
                    + " response-headers { " + rules + " } }"), rules);
        }
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, compression {},"
                + " response-headers { add { Vary = Cookie } } }"));
    }

    @Test
    void compressionOnARouteThatRelaysNothingIsAWarning() {
        assertEquals(List.of("route \"maintenance\": compression changes nothing on a respond route: only responses"
                + " relayed from an upstream are compressed"),
                warningsForRoutes("{ name = maintenance, respond { status = 503, body = \"later\" }, compression {} }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, compression {} }"));
    }

    @Test
    void compressingTypesThatAreCompressedAlreadyIsAWarning() {
        assertEquals(List.of("route \"media\": compression.types lists image/*, application/zip, video/mp4, which take"
                + " bodies that are compressed already (images, video, audio, fonts, archives): gzip costs CPU on them"
                + " and saves nothing; list the text types"), warningsForRoutes("{ name = media, upstream = app,"
                + " compression { types = [\"text/*\", \"image/*\", \"image/svg+xml\", \"application/zip\","
                + " \"video/mp4\"] } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, compression {} }"),
                "the default types are all text");
        assertEquals(List.of(), warningsForRoutes("{ name = api, upstream = app, compression { types ="
                + " [\"application/json\", \"image/svg+xml\", \"application/wasm\"] } }"));
    }

    @Test
    void aDirectResponseBodyItsStatusNeverSendsIsAWarning() {
        assertEquals(List.of("route \"gone\": respond.status 204 has no body, so respond.body is never sent"),
                warningsForRoutes("{ name = gone, respond { status = 204, body = \"bye\" } }"));
        assertEquals(List.of("route \"reset\": respond.status 205 has no body, so respond.body is never sent"),
                warningsForRoutes("{ name = reset, respond { status = 205, body = \"done\" } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = gone, respond { status = 204 } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = gone, respond { status = 410, body = \"bye\" } }"));
    }

    @Test
    void methodsNoRequestThatIsRoutedCanHaveAreWarnedOf() {
        String tail = ", so no request matches it there";
        assertEquals(List.of(
                "route \"x\": match.methods lists CONNECT, which is refused with 400 before routing (a reverse proxy"
                        + " opens no tunnels)" + tail,
                "route \"x\": match.methods lists TRACE, which is refused with 405 before routing"
                        + " (server.refused-methods)" + tail,
                "route \"x\": match.methods lists *, which is no method (leave methods out to match any)" + tail),
                warningsForRoutes("{ name = x, upstream = app, match { methods = [GET, \"*\", CONNECT, TRACE, PRI] } }"));
    }

    @Test
    void theDefaultRouteIsQuiet() {
        assertEquals(List.of(), warningsFor("timeout = 15s"));
    }

    @Test
    void upstreamAndAdminWarnings() {
        List<String> warnings = ConfigWarnings.of(ConfigLoader.parse("""
                rampart {
                  admin { host = "0.0.0.0" }
                  upstreams {
                    app { endpoints = ["127.0.0.1:8081"], circuit-breaker.enabled = false,
                          max-connections-per-endpoint = 256 }
                    defaults { endpoints = ["127.0.0.1:8082"] }
                    pair { endpoints = ["127.0.0.1:1", "127.0.0.1:2"], max-connections-per-endpoint = 100,
                           max-concurrent-requests = 200 }
                  }
                  routes = [ { upstream = app } ]
                }
                """, "test.conf", Map.of()));
        assertEquals(List.of(
                "upstream \"app\": circuit-breaker.enabled = false; a failing endpoint keeps receiving full traffic",
                "upstream \"app\": max-concurrent-requests (1024) > max-connections-per-endpoint x endpoints (256);"
                        + " requests beyond 256 wait for a connection instead of failing fast with UPSTREAM_OVERLOADED",
                "admin: host \"0.0.0.0\" is not a loopback address; /admin and /metrics are reachable from the network"),
                warnings);
    }

    @Test
    void probesThatComeManyTimesASecondOrTimeOutBeforeARoundTripAreWarnings() {
        List<String> warnings = ConfigWarnings.of(ConfigLoader.parse("""
                rampart {
                  upstreams {
                    busy { endpoints = ["127.0.0.1:8081"], health-check { path = "/h", interval = 1ns, timeout = 5ms } }
                    usual { endpoints = ["127.0.0.1:8082"], health-check { path = "/h", interval = 100ms, timeout = 10ms } }
                  }
                  routes = [ { upstream = busy, match.path-prefix = "/b" }, { upstream = usual } ]
                }
                """, "test.conf", Map.of()));
        assertEquals(List.of(
                "upstream \"busy\": health-check.interval = 1ns; every endpoint gets a probe that often"
                        + " after the last one ends (nginx Plus and HAProxy default to 5s and 2s)",
                "upstream \"busy\": health-check.timeout = 5ms; a probe that takes longer fails, so a healthy endpoint"
                        + " beyond loopback keeps leaving rotation"),
                warnings, "100ms and 10ms are not warned of");
    }

    @Test
    void trustingEveryAddressIsAWarning() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  server { trusted-proxies = ["10.0.0.0/8", "0.0.0.0/0"] }
                  upstreams { app { endpoints = ["127.0.0.1:8081"], max-concurrent-requests = 512 } }
                  routes = [ { upstream = app } ]
                }
                """, "test.conf", Map.of());
        assertEquals(List.of("server: trusted-proxies has 0.0.0.0/0, which trusts every client's X-Forwarded-For:"
                + " any client can choose the address allow-from and rate-limit judge; list the load balancers in"
                + " front instead"), ConfigWarnings.of(config));
    }

    @Test
    void loopbackSpellings() {
        for (String host : List.of("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST",
                "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::FFFF:7f00:1", "[::ffff:127.0.0.1]")) {
            assertTrue(ConfigWarnings.isLoopback(host), host);
        }
        for (String host : List.of("0.0.0.0", "10.0.0.1", "::", "128.0.0.1", "localhost.example.com", "::127.0.0.1",
                "::ffff:10.0.0.1", "::2")) {
            assertEquals(false, ConfigWarnings.isLoopback(host), host);
        }
    }

    @Test
    void routesAnEarlierRouteShadowsAreNamed() {
        List<String> warnings = warningsForRoutes("""
                { name = api, match { path-prefix = "/api" }, upstream = app }
                { name = same, match { path-prefix = "/api" }, upstream = app }
                { name = narrower, match { path-prefix = "/api/v2", methods = [GET] }, upstream = app }
                { name = other-host, match { host = "b.example", path-prefix = "/api" }, upstream = app }
                { name = regex, match { path-regex = "^/x" }, upstream = app }
                { name = gets, match { methods = [GET] }, upstream = app }
                { name = any, upstream = app }
                { name = after-catch-all, match { path-regex = "^/y" }, upstream = app }
                { name = posts-with-header, match { path-prefix = "/z", methods = [POST], headers { x-a = "1" } }, upstream = app }
                """);
        assertEquals(List.of(
                "route \"same\": can never match; route \"api\" before it takes every request it would",
                "route \"narrower\": can never match; route \"api\" before it takes every request it would",
                "route \"other-host\": can never match; route \"api\" before it takes every request it would",
                "route \"after-catch-all\": can never match; route \"any\" before it takes every request it would",
                "route \"posts-with-header\": can never match; route \"any\" before it takes every request it would"),
                warnings);
    }

    @Test
    void routesThatNarrowByHostMethodOrHeaderAreNotShadowedByBroaderOnesAfterThem() {
        List<String> warnings = warningsForRoutes("""
                { name = host, match { host = "a.example", path-prefix = "/api" }, upstream = app }
                { name = gets, match { path-prefix = "/api", methods = [GET] }, upstream = app }
                { name = canary, match { path-prefix = "/api", headers { x-canary = "1" } }, upstream = app }
                { name = regex, match { path-regex = "^/api" }, upstream = app }
                { name = api, match { path-prefix = "/api" }, upstream = app }
                """);
        assertEquals(List.of(), warnings);
    }

    @Test
    void hostsAreComparedAsTheRouterComparesThemAndARegexForOptionsStarIsReachable() {
        List<String> warnings = warningsForRoutes("""
                { name = dotted, match { host = "API.example.com.", path-prefix = "/" }, upstream = app }
                { name = plain, match { host = "api.example.com", path-prefix = "/v1" }, upstream = app }
                { name = any, upstream = app }
                { name = options-star, match { path-regex = "^\\\\*$" }, upstream = app }
                { name = dead-regex, match { path-regex = "^/x" }, upstream = app }
                """);
        assertEquals(List.of(
                "route \"plain\": can never match; route \"dotted\" before it takes every request it would",
                "route \"dead-regex\": can never match; route \"any\" before it takes every request it would"),
                warnings);
    }

    @Test
    void aWildcardHostBeforeAHostItCoversShadowsIt() {
        List<String> warnings = warningsForRoutes("""
                { name = wild, match { host = "*.example.com" }, upstream = app }
                { name = exact, match { host = "A.example.com" }, upstream = app }
                { name = deeper, match { host = "*.a.example.com" }, upstream = app }
                { name = apex, match { host = "example.com" }, upstream = app }
                { name = elsewhere, match { host = "a.example.org" }, upstream = app }
                """);
        assertEquals(List.of(
                "route \"exact\": can never match; route \"wild\" before it takes every request it would (unlike in"
                        + " nginx or Envoy, an exact host does not win over a wildcard: the first route that matches does;"
                        + " put the exact host first)",
                "route \"deeper\": can never match; route \"wild\" before it takes every request it would"),
                warnings);
    }
}
