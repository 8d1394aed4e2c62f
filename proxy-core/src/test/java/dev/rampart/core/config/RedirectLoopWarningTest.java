package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A redirect to a path with keep-path that sends the client back to the route that redirected it is warned about. */
class RedirectLoopWarningTest {

    private static List<String> warningsForRoutes(String routes) {
        return ConfigWarnings.of(ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], max-concurrent-requests = 512 } }
                  routes = [ %s ]
                }
                """.formatted(routes), "test.conf", Map.of()));
    }

    private static long loops(List<String> warnings) {
        return warnings.stream().filter(w -> w.contains("redirect loop")).count();
    }

    @Test
    void aCatchAllRedirectToAPathKeepingThePathComesBackToItself() {
        assertEquals(List.of("route \"maint\": respond.location \"/maintenance.html\" with keep-path = true (the"
                        + " default) sends /x to /maintenance.html/x, which this route redirects again: a redirect"
                        + " loop; set keep-path = false to send every request to the location as written"),
                warningsForRoutes("{ name = maint, respond { status = 302, location = \"/maintenance.html\" } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = maint, respond { status = 302,"
                + " location = \"/maintenance.html\", keep-path = false } }"), "one fixed URL");
    }

    @Test
    void aPrefixRouteWhoseLocationItTakesComesBackAndOneThatDoesNotIsQuiet() {
        assertEquals(1, warningsForRoutes("{ name = docs, match { path-prefix = \"/docs\" },"
                + " respond { status = 301, location = \"/docs/v2\" } }").size(), "/docs/v2/x is under /docs");
        assertEquals(List.of(), warningsForRoutes("{ name = docs, match { path-prefix = \"/old-docs\" },"
                + " respond { status = 301, location = \"/docs\" } }"), "a moved section: /docs/... is elsewhere");
    }

    @Test
    void aRouteBeforeItThatTakesTheLocationEndsTheLoop() {
        assertEquals(List.of(), warningsForRoutes(
                "{ name = page, match { path-prefix = \"/maintenance.html\" }, respond { status = 503, body = down } },"
                + " { name = maint, respond { status = 302, location = \"/maintenance.html\" } }"));
        assertEquals(1, warningsForRoutes(
                "{ name = page, match { host = \"other.example\", path-prefix = \"/maintenance.html\" },"
                + " respond { status = 503 } },"
                + " { name = maint, match { host = \"www.example.com\" },"
                + " respond { status = 302, location = \"/maintenance.html\" } }").size(),
                "a route for another host does not take this host's requests");
        assertEquals(1, loops(warningsForRoutes(
                "{ name = maint, respond { status = 302, location = \"/maintenance.html\" } },"
                + " { name = page, match { path-prefix = \"/maintenance.html\" }, respond { status = 503 } }")),
                "a route after it is never reached by what it takes (and is warned about as shadowed)");
    }

    @Test
    void theRootWithoutARewriteSendsEveryRequestToItself() {
        assertEquals(List.of("route \"self\": respond.location \"/\" with keep-path = true and no rewrite sends every"
                        + " request to the URL it asked for: a redirect loop"),
                warningsForRoutes("{ name = self, match { path-prefix = \"/rel\" },"
                        + " respond { status = 302, location = \"/\" } }"));
        assertEquals(List.of(), warningsForRoutes("{ name = moved, match { path-prefix = \"/old\" },"
                + " rewrite { replace-prefix { from = \"/old\", to = \"/new\" } }, respond { status = 308, location = \"/\" } }"),
                "a rewrite sends /old/x to /new/x, which the route does not take");
    }

    @Test
    void aRouteTheNextRequestMayNotMatchIsNotGuessedAt() {
        assertEquals(List.of(), warningsForRoutes("{ name = m, match { headers { X-Old-Client = \"1\" } },"
                + " respond { status = 302, location = \"/upgrade\" } }"), "the browser may not send the header again");
        assertEquals(List.of(), warningsForRoutes("{ name = m, match { methods = [POST] },"
                + " respond { status = 303, location = \"/done\" } }"), "a 303 is followed with GET");
        assertEquals(List.of(), warningsForRoutes("{ name = m, match { path-regex = \"^/x\" },"
                + " respond { status = 302, location = \"/x/y\" } }"), "a regex is not guessed at");
        assertEquals(List.of(), warningsForRoutes("{ name = m, respond { status = 302,"
                + " location = \"https://example.com/maintenance\" } }"), "another host: its routes are not these");
    }

    @Test
    void aPostRedirectGetIsNoLoopButARedirectThatKeepsTheMethodIs() {
        assertEquals(List.of(), warningsForRoutes("{ name = form, match { path-prefix = \"/form\", methods = [POST] },"
                + " respond { status = 303, location = \"/\" } }, { name = app, upstream = app }"),
                "the GET after the 303 goes to the app");
        assertEquals(1, loops(warningsForRoutes("{ name = moved, match { methods = [POST] },"
                + " respond { status = 307, location = \"/v2\" } }")), "a 307 is followed with the same POST");
    }

    @Test
    void aPrefixEndingInASlashTakesTheLocationWithoutIt() {
        assertEquals(1, loops(warningsForRoutes("{ name = m, match { path-prefix = \"/m/\" },"
                + " respond { status = 302, location = \"/m\" } }")), "/m/x is under /m/");
    }

    @Test
    void anEarlierRouteThatMayTakeSomeOfTheRedirectsIsGivenTheBenefitOfTheDoubt() {
        assertEquals(List.of(), warningsForRoutes(
                "{ name = page, match { host = \"*.example.com\", path-prefix = \"/maintenance.html\" },"
                + " respond { status = 503 } },"
                + " { name = maint, respond { status = 302, location = \"/maintenance.html\" } }"), "a wildcard host");
        assertEquals(1, loops(warningsForRoutes(
                "{ name = page, match { path-prefix = \"/maintenance.html\", methods = [POST] }, respond { status = 503 } },"
                + " { name = maint, respond { status = 302, location = \"/maintenance.html\" } }")),
                "the GET that follows a 302 is not the earlier route's");
    }
}
