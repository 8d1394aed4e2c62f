package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A route's {@code cors} block: what it binds to, its defaults, how origins match, and what is refused. */
class CorsConfigTest extends RejectedConfigSupport {

    @Test
    void aRouteWithoutTheBlockLeavesCorsToTheUpstream() {
        assertEquals(Optional.empty(), onlyRoute("{ upstream = app }").cors());
    }

    @Test
    void theBlockBindsWithItsDefaults() {
        CorsConfig cors = onlyRoute("{ upstream = app, cors { allow-origins = [\"https://App.Example.com\"] } }")
                .cors().orElseThrow();
        assertEquals(new CorsConfig(List.of("https://app.example.com"), List.of("GET", "HEAD", "POST"), List.of(),
                List.of(), false, Duration.ofMinutes(10)), cors);
    }

    @Test
    void everyKeyBinds() {
        CorsConfig cors = onlyRoute("""
                { upstream = app, cors {
                    allow-origins = ["https://*.example.com", "http://localhost:3000"]
                    allow-methods = [get, PUT, DELETE]
                    allow-headers = [Content-Type, Authorization]
                    expose-headers = [X-Request-Id]
                    allow-credentials = true
                    max-age = 0s } }""").cors().orElseThrow();
        assertEquals(new CorsConfig(List.of("https://*.example.com", "http://localhost:3000"),
                List.of("GET", "PUT", "DELETE"), List.of("Content-Type", "Authorization"), List.of("X-Request-Id"),
                true, Duration.ZERO), cors);
    }

    @Test
    void originsMatchExactlyOrAsSubdomainsOfAWildcardWithTheSamePort() {
        CorsConfig cors = new CorsConfig(List.of("https://app.example.com", "https://*.example.org",
                "http://localhost:3000"), List.of("GET"), List.of(), List.of(), false, Duration.ZERO);
        assertTrue(cors.allowsOrigin("https://app.example.com"));
        assertTrue(cors.allowsOrigin("HTTPS://APP.EXAMPLE.COM"));
        assertTrue(cors.allowsOrigin("https://a.example.org"));
        assertTrue(cors.allowsOrigin("https://a.b.example.org"));
        assertTrue(cors.allowsOrigin("http://localhost:3000"));
        assertFalse(cors.allowsOrigin("http://app.example.com"), "another scheme is another origin");
        assertFalse(cors.allowsOrigin("https://app.example.com:8443"), "another port is another origin");
        assertFalse(cors.allowsOrigin("https://example.org"), "the wildcard covers subdomains only");
        assertFalse(cors.allowsOrigin("https://evilexample.org"));
        assertFalse(cors.allowsOrigin("https://a.example.org:444"));
        assertFalse(cors.allowsOrigin("https://app.example.com.evil.net"));
        assertFalse(cors.allowsOrigin("null"));
        assertFalse(cors.allowsOrigin("http://localhost:30000"));
        CorsConfig any = new CorsConfig(List.of("*"), List.of("GET"), List.of("*"), List.of(), false, Duration.ZERO);
        assertTrue(any.allowsOrigin("https://anything.test") && any.allowsHeader("X-Whatever"));
        assertTrue(cors.allowsMethod("get"), "methods are compared ignoring case: browsers send a script's patch as written");
    }

    @Test
    void originsOfAnyUriSchemeAreTakenForAppsAndExtensionsThatSendTheirOwn() {
        CorsConfig cors = onlyRoute("""
                { upstream = app, cors { allow-origins = ["capacitor://localhost", "Chrome-Extension://abcdefghijklmnop",
                    "tauri://localhost", "moz-extension://0b6f54f2-3c1e-4d5a-9a61-3d9c1a2b7e10", "x-app.v2+web://host:8080"] } }""")
                .cors().orElseThrow();
        assertEquals(5, cors.allowOrigins().size(), cors.allowOrigins().toString());
        assertTrue(cors.allowsOrigin("capacitor://localhost"));
        assertTrue(cors.allowsOrigin("chrome-extension://abcdefghijklmnop"), "compared ignoring case");
        assertTrue(cors.allowsOrigin("x-app.v2+web://host:8080"));
        assertFalse(cors.allowsOrigin("http://localhost"), "the scheme is part of the origin");
        assertFalse(cors.allowsOrigin("chrome-extension://otherextension"));
    }

    @Test
    void badOriginsHeadersAndCredentialsWithAnyOriginAreEachReported() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = a, upstream = app, cors { } },
                    { name = b, upstream = app, cors { allow-origins = ["https://app.example.com/", "app.example.com", "*", "1ab://x.test"] } },
                    { name = c, upstream = app, cors { allow-origins = ["*"], allow-credentials = true } },
                    { name = d, upstream = app, cors { allow-origins = ["*"], allow-headers = ["X Y", "*"], expose-headers = ["*"] } }"""));
        assertEquals(9, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[0].cors.allow-origins: missing or empty"), problems.get(0));
        assertTrue(problems.get(1).startsWith("rampart.routes[1].cors.allow-origins[0]: expected an origin"), problems.get(1));
        assertTrue(problems.get(2).startsWith("rampart.routes[1].cors.allow-origins[1]: expected an origin"), problems.get(2));
        assertTrue(problems.get(3).startsWith("rampart.routes[1].cors.allow-origins[2]: \"*\" allows every origin"),
                problems.get(3));
        assertTrue(problems.get(4).startsWith("rampart.routes[1].cors.allow-origins[3]: expected an origin"), problems.get(4));
        assertTrue(problems.get(5).startsWith("rampart.routes[2].cors.allow-credentials: browsers refuse credentials"),
                problems.get(5));
        assertTrue(problems.get(6).startsWith("rampart.routes[3].cors.allow-headers[0]: expected a header name"),
                problems.get(6));
        assertTrue(problems.get(7).startsWith("rampart.routes[3].cors.allow-headers[1]: expected a header name"),
                problems.get(7));
        assertTrue(problems.get(8).startsWith("rampart.routes[3].cors.expose-headers[0]: expected a header name, got"),
                problems.get(8));
    }

    @Test
    void aPortOutOfRangeASubSecondMaxAgeAndABadMethodAreEachReportedOnce() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = a, upstream = app, cors { allow-origins = ["https://a.test:99999", "http://[::1]:0",
                      "http://b.test:65535"] } },
                    { name = b, upstream = app, cors { allow-origins = ["https://a.test"], max-age = 500ms } },
                    { name = c, upstream = app, cors { allow-origins = ["https://a.test"], allow-methods = ["GE T"] } }"""));
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[0].cors.allow-origins[0]: the port must be 1–65535"),
                problems.get(0));
        assertTrue(problems.get(1).startsWith("rampart.routes[0].cors.allow-origins[1]: the port must be"), problems.get(1));
        assertTrue(problems.get(2).startsWith("rampart.routes[1].cors.max-age: Access-Control-Max-Age is in whole"
                + " seconds"), problems.get(2));
        assertTrue(problems.get(3).startsWith("rampart.routes[2].cors.allow-methods[0]"), problems.get(3));
    }

    @Test
    void aStarOrNoMethodAndADefaultPortThatNoBrowserSendsAreReported() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = a, upstream = app, cors { allow-origins = ["https://a.test"], allow-methods = ["*"] } },
                    { name = b, upstream = app, cors { allow-origins = ["https://a.test"], allow-methods = [] } },
                    { name = c, upstream = app, cors { allow-origins = ["https://a.test:443", "http://b.test:80"] } }"""));
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[0].cors.allow-methods: list the methods"), problems.get(0));
        assertTrue(problems.get(1).startsWith("rampart.routes[1].cors.allow-methods: list the methods"), problems.get(1));
        assertTrue(problems.get(2).startsWith("rampart.routes[2].cors.allow-origins[0]: browsers leave the scheme's"
                + " default port out of Origin: write \"https://a.test\""), problems.get(2));
        assertTrue(problems.get(3).contains("write \"http://b.test\""), problems.get(3));
    }

    @Test
    void theEffectiveConfigShowsTheBlock() {
        String rendered = EffectiveConfigRenderer.render(HoconFiles.load(dir, withRoutes(
                "    { upstream = app, cors { allow-origins = [\"https://app.example.com\"], allow-credentials = true } }")));
        assertTrue(rendered.contains("cors {\n") && rendered.contains("allow-origins = [\"https://app.example.com\"]")
                && rendered.contains("allow-credentials = true") && rendered.contains("max-age = 10m"), rendered);
    }
}
