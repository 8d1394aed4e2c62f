package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Route and upstream names become metric labels, access-log fields and parts of log lines: the ones that
 * could not be shown as written there are refused when the file is read, and every other name is kept.
 */
class NameTextConfigTest extends RejectedConfigSupport {

    @Test
    void aRouteNameWithAControlCharacterALineBreakOrHalfASurrogatePairIsRefused() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = "bell\\u0007", upstream = app },
                    { name = "two\\nlines", upstream = app },
                    { name = "para\\u2029graph", upstream = app },
                    { name = "half\\ud800", upstream = app },
                    { name = "del\\u007f", upstream = app }"""));
        assertEquals(List.of(
                "rampart.routes[0].name: expected a name without control characters or line breaks, got one holding"
                        + " U+0007" + at(4),
                "rampart.routes[1].name: expected a name without control characters or line breaks, got one holding"
                        + " U+000A" + at(5),
                "rampart.routes[2].name: expected a name without control characters or line breaks, got one holding"
                        + " U+2029" + at(6),
                "rampart.routes[3].name: expected a name of whole characters, got one holding half of a surrogate pair"
                        + " (\\ud800)" + at(7),
                "rampart.routes[4].name: expected a name without control characters or line breaks, got one holding"
                        + " U+007F" + at(8)), problems);
    }

    @Test
    void anUpstreamNameThatIsEmptyOrHoldsAControlCharacterIsRefused() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams {
                    "a\\u0007b" { endpoints = ["127.0.0.1:8081"] }
                    "" { endpoints = ["127.0.0.1:8082"] }
                  }
                  routes = [ { upstream = "a\\u0007b" } ]
                }
                """);
        assertEquals(List.of(
                "rampart.upstreams.\"a\\u0007b\": expected a name without control characters or line breaks, got one"
                        + " holding U+0007" + at(3),
                "rampart.upstreams.\"\": expected a non-empty name" + at(4)), problems);
    }

    @Test
    void namesWithSpacesQuotesOtherScriptsAndCharactersBeyondTheBasicPlaneAreKept() {
        String name = "Zahlungs-API \"v2\" 決済 \uD83D\uDE80";
        RouteConfig route = onlyRoute("{ name = " + com.typesafe.config.ConfigUtil.quoteString(name)
                + ", upstream = app }");
        assertEquals(name, route.name());
    }
}
