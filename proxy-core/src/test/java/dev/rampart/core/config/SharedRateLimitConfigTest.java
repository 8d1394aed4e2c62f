package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code rampart.rate-limits}, limits declared once and named by routes ({@code rate-limit = api}): what they bind
 * to, what is refused and why, how {@code --check} shows them and when it warns.
 */
class SharedRateLimitConfigTest extends RejectedConfigSupport {

    /** {@link #withRoutes}, and a {@code rate-limits} block after it (the routes' lines stay where they were). */
    static String withLimits(String limits, String routes) {
        return withRoutes(routes) + "rampart.rate-limits {\n" + limits + "\n}\n";
    }

    private static final String API = "api { requests-per-second = 20, burst = 40 }";

    @Test
    void routesNamingOneLimitGetItsSettingsUnderItsNameAndARouteOfItsOwnStaysItsOwn() {
        RampartConfig config = HoconFiles.load(dir, withLimits(API + "\nlogin { requests-per-second = 1, per = route }",
                """
                    { name = users, match { path-prefix = "/users" }, upstream = app, rate-limit = api },
                    { name = orders, match { path-prefix = "/orders" }, upstream = app, rate-limit = "api" },
                    { name = own, upstream = app, rate-limit { requests-per-second = 20, burst = 40 } }"""));
        RateLimitConfig api = new RateLimitConfig(20, 40, RateLimitConfig.Per.CLIENT_IP, Optional.empty(),
                Optional.of("api"));
        assertEquals(Map.of("api", api, "login", new RateLimitConfig(1, 1, RateLimitConfig.Per.ROUTE,
                Optional.empty(), Optional.of("login"))), config.rateLimits());
        assertEquals(List.of("api", "login"), List.copyOf(config.rateLimits().keySet()), "in file order");
        assertSame(config.rateLimits().get("api"), config.routes().get(0).rateLimit().orElseThrow(),
                "resolved when the config is read");
        assertSame(config.rateLimits().get("api"), config.routes().get(1).rateLimit().orElseThrow());
        assertEquals(Optional.of(new RateLimitConfig(20, 40, RateLimitConfig.Per.CLIENT_IP)),
                config.routes().get(2).rateLimit(), "the same settings written in a route are that route's own");
    }

    @Test
    void aNamedLimitKeysByAHeaderAsARoutesOwnDoes() {
        RampartConfig config = HoconFiles.load(dir, withLimits(
                "keyed { requests-per-second = 5, per = header, header = X-Api-Key }",
                "{ upstream = app, rate-limit = keyed }"));
        assertEquals(Optional.of("X-Api-Key"), config.routes().get(0).rateLimit().orElseThrow().header());
    }

    @Test
    void anUnknownNameIsRefusedWithTheDeclaredOnesAndTheClosest() {
        List<String> problems = problemsOf(withLimits(API + "\nlogin { requests-per-second = 1 }", """
                    { name = a, upstream = app, rate-limit = ap },
                    { name = b, upstream = app, rate-limit = checkout }"""));
        assertEquals(List.of(
                "rampart.routes[0].rate-limit: expected a rate-limit { ... } block or the name of one of"
                        + " rampart.rate-limits (api, login), got \"ap\" (did you mean \"api\"?)" + at(4),
                "rampart.routes[1].rate-limit: expected a rate-limit { ... } block or the name of one of"
                        + " rampart.rate-limits (api, login), got \"checkout\"" + at(5)), problems);
    }

    @Test
    void aNameWithNoLimitsDeclaredSaysSo() {
        assertEquals(List.of("rampart.routes[0].rate-limit: expected a rate-limit { ... } block or the name of one of"
                        + " rampart.rate-limits (none are declared), got \"api\""),
                routeProblems(withRoutes("{ upstream = app, rate-limit = api }")));
    }

    @Test
    void aRateLimitThatIsNeitherABlockNorANameIsRefused() {
        assertEquals(List.of("rampart.routes[0].rate-limit: expected a rate-limit { ... } block or the name of one of"
                        + " rampart.rate-limits, got 20"),
                routeProblems(withLimits(API, "{ upstream = app, rate-limit = 20 }")));
    }

    @Test
    void aNamedLimitIsCheckedAsARoutesOwnIsAndWhatIsWrongInItIsSaidOnceThere() {
        List<String> problems = problemsOf(withLimits("""
                api { requests-per-second = 0, burst = 5 }
                login = 5
                keyed { requests-per-second = 5, per = header, header = X-Forwarded-For, brust = 2 }""", """
                    { name = a, upstream = app, rate-limit = api },
                    { name = b, upstream = app, rate-limit = login },
                    { name = c, upstream = app, rate-limit = keyed }"""));
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.rate-limits.api.requests-per-second: expected a number of"
                + " requests per second from 0.001 to 1000000"), problems.get(0));
        assertTrue(problems.get(1).startsWith("rampart.rate-limits.login: expected an object, got 5"), problems.get(1));
        assertTrue(problems.get(2).startsWith("rampart.rate-limits.keyed.header: X-Forwarded-For"), problems.get(2));
        assertTrue(problems.get(3).startsWith("rampart.rate-limits.keyed.brust: unknown key (did you mean \"burst\"?)"),
                problems.get(3));
    }

    @Test
    void checkShowsTheLimitsAndWhichOneEachRouteNamesAndReadsBackTheSame() {
        RampartConfig config = HoconFiles.load(dir, withLimits(API, """
                    { name = users, match { path-prefix = "/users" }, upstream = app, rate-limit = api },
                    { name = own, upstream = app, rate-limit { requests-per-second = 2 } }"""));
        String rendered = EffectiveConfigRenderer.render(config);
        assertTrue(rendered.contains("rate-limits {\n    api {\n      requests-per-second = 20\n      burst = 40\n"
                + "      per = client-ip\n    }\n  }"), rendered);
        assertTrue(rendered.contains("rate-limit = \"api\"\n"), rendered);
        assertTrue(rendered.contains("rate-limit {\n        requests-per-second = 2\n"), rendered);
        assertEquals(config, ConfigLoader.parse(rendered, "effective", Map.of()), rendered);
        String json = EffectiveConfigRenderer.renderJson(config);
        assertTrue(json.contains("\"rate-limit\" : \"api\""), "/admin/routes names the limit: " + json);
    }

    @Test
    void aLimitNoRouteNamesIsAWarning() {
        RampartConfig config = HoconFiles.load(dir, withLimits(API + "\nunused { requests-per-second = 1 }",
                "{ upstream = app, rate-limit = api }"));
        assertEquals(List.of("rate-limits \"unused\": no route names it, so it limits nothing (a route takes it with"
                + " rate-limit = \"unused\")"), ConfigWarnings.of(config));
    }
}
