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
        assertEquals(List.of(withControl("rampart.routes[0].name", "U+0007", 4),
                withControl("rampart.routes[1].name", "U+000A", 5), withControl("rampart.routes[2].name", "U+2029", 6),
                "rampart.routes[3].name: expected a name of whole characters, got one holding half of a surrogate pair"
                        + " (\\ud800)" + at(7),
                withControl("rampart.routes[4].name", "U+007F", 8)), problems);
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
        assertEquals(List.of(withControl("rampart.upstreams.\"a\\u0007b\"", "U+0007", 3),
                "rampart.upstreams.\"\": expected a non-empty name" + at(4)), problems);
    }

    @Test
    void namesWithSpacesQuotesOtherScriptsAndCharactersBeyondTheBasicPlaneAreKept() {
        String name = "Zahlungs-API \"v2\" 決済 \uD83D\uDE80";
        RouteConfig route = onlyRoute("{ name = " + com.typesafe.config.ConfigUtil.quoteString(name)
                + ", upstream = app }");
        assertEquals(name, route.name());
    }

    private String withControl(String path, String character, int line) {
        return path + ": expected a name without control characters or line breaks, got one holding " + character
                + at(line);
    }
}
