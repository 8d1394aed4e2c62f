package dev.rampart.core.routing;

import dev.rampart.core.config.RegexBudget;
import dev.rampart.core.config.RouteConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.rampart.core.routing.TestRoutes.match;
import static dev.rampart.core.routing.TestRoutes.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RouterTest {

    private static String routed(Router router, RequestView request) {
        Route route = router.match(request);
        return route == null ? null : route.name();
    }

    private static Router router(RouteConfig... routes) {
        return Router.compile(List.of(routes));
    }

    @Test
    void prefixIsAPlainStringPrefixOfTheRawPath() {
        Router router = router(route("api", match().prefix("/api")));
        assertEquals("api", routed(router, TestRequest.get("h", "/api")));
        assertEquals("api", routed(router, TestRequest.get("h", "/api/orders")));
        assertEquals("api", routed(router, TestRequest.get("h", "/apix")), "plain prefix, as Envoy's prefix");
        assertNull(routed(router, TestRequest.get("h", "/ap")));
        assertNull(routed(router, TestRequest.get("h", "/API")), "paths are case-sensitive");
        assertNull(routed(router, TestRequest.get("h", "/%61pi")), "the raw path is not decoded");
    }

    @Test
    void regexUsesFindSemanticsAsWritten() {
        Router anchored = router(route("orders", match().regex("^/v[0-9]+/orders")));
        assertEquals("orders", routed(anchored, TestRequest.get("h", "/v12/orders/7")));
        assertNull(routed(anchored, TestRequest.get("h", "/x/v1/orders")));
        assertNull(routed(anchored, TestRequest.get("h", "/vx/orders")));
        Router unanchored = router(route("orders", match().regex("/orders")));
        assertEquals("orders", routed(unanchored, TestRequest.get("h", "/x/v1/orders/1")));
    }

    @Test
    void costlyRegexesOfSeveralRoutesGiveUpTogetherAsOne() {
        // Each of the two reads about 6,000,000 characters of this path: within a request's budget alone.
        Router router = router(route("php", match().regex(".*\\.php$")), route("asp", match().regex(".*\\.asp$")),
                route("rest", match()));
        String path = "/" + "x".repeat(2000);
        assertEquals("rest", routed(router(route("php", match().regex(".*\\.php$")), route("rest", match())),
                TestRequest.get("h", path)));
        assertThrows(RegexBudget.GaveUp.class, () -> router.match(TestRequest.get("h", path)),
                "routes tried in order spend one budget");
        assertEquals("rest", routed(router, TestRequest.get("h", "/" + "x".repeat(200))), "a shorter path is cheap");
    }

    @Test
    void prefixAndRegexMustBothHoldWhenBothAreGiven() {
        Router router = router(route("both", match().prefix("/v").regex("orders$")));
        assertEquals("both", routed(router, TestRequest.get("h", "/v1/orders")));
        assertNull(routed(router, TestRequest.get("h", "/w1/orders")));
        assertNull(routed(router, TestRequest.get("h", "/v1/orders/1")));
    }

    @Test
    void methodsMatchExactlyAndEmptyMeansAny() {
        Router router = router(route("write", match().methods("POST", "PUT")), route("any", match()));
        TestRequest request = TestRequest.get("h", "/");
        assertEquals("write", routed(router, request.withMethod("POST")));
        assertEquals("write", routed(router, request.withMethod("PUT")));
        assertEquals("any", routed(router, request.withMethod("GET")));
        assertEquals("any", routed(router, request.withMethod("post")), "methods are case-sensitive");
    }

    @Test
    void everyHeaderMustMatchWithCaseInsensitiveNamesAndExactValues() {
        Router router = router(route("canary", match().headers(Map.of("x-canary", "1", "x-team", "Blue"))),
                route("any", match()));
        TestRequest request = TestRequest.get("h", "/");
        assertEquals("canary", routed(router, request.withHeaders(Map.of("X-Canary", "1", "X-TEAM", "Blue"))));
        assertEquals("any", routed(router, request.withHeaders(Map.of("x-canary", "1"))), "all must match");
        assertEquals("any", routed(router, request.withHeaders(Map.of("x-canary", "1", "x-team", "blue"))),
                "values are case-sensitive");
        assertEquals("any", routed(router, request.withHeaders(Map.of("x-canary", "10", "x-team", "Blue"))));
        assertEquals("any", routed(router, request));
    }

    @Test
    void configuredHeaderNamesInUpperCaseStillMatch() {
        Router router = router(route("canary", match().headers(Map.of("X-Canary", "1"))));
        assertEquals("canary", routed(router, TestRequest.get("h", "/").withHeaders(Map.of("x-canary", "1"))));
    }

    @Test
    void firstMatchingRouteInConfigOrderWinsEvenWhenALaterOneIsMoreSpecific() {
        Router router = router(
                route("broad", match().prefix("/")),
                route("specific", match().host("api.example.com").prefix("/api").methods("GET")));
        assertEquals("broad", routed(router, TestRequest.get("api.example.com", "/api/x")));
    }

    @Test
    void hostBucketingKeepsConfigOrderAcrossExactWildcardAndHostlessRoutes() {
        Router router = router(
                route("hostless-api", match().prefix("/api")),
                route("wild-admin", match().host("*.example.com").prefix("/admin")),
                route("exact", match().host("www.example.com")),
                route("wild-all", match().host("*.example.com")),
                route("fallback", match()));
        assertEquals("hostless-api", routed(router, TestRequest.get("www.example.com", "/api/1")));
        assertEquals("wild-admin", routed(router, TestRequest.get("www.example.com", "/admin")));
        assertEquals("exact", routed(router, TestRequest.get("www.example.com", "/other")));
        assertEquals("wild-all", routed(router, TestRequest.get("shop.example.com", "/other")));
        assertEquals("wild-admin", routed(router, TestRequest.get("shop.example.com", "/admin")));
        assertEquals("fallback", routed(router, TestRequest.get("example.org", "/other")));
        assertEquals("hostless-api", routed(router, TestRequest.get(null, "/api")));
        assertEquals("fallback", routed(router, TestRequest.get(null, "/admin")));
    }

    @Test
    void manyExactHostsEachFindTheirRoute() {
        List<RouteConfig> routes = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            routes.add(route("r" + i, match().host("svc" + i + ".example.com")));
        }
        Router router = Router.compile(routes);
        for (int i = 0; i < 500; i++) {
            assertEquals("r" + i, routed(router, TestRequest.get("SVC" + i + ".example.com:8080", "/")));
        }
        assertNull(routed(router, TestRequest.get("svc500.example.com", "/")));
    }

    @Test
    void noMatchReturnsNull() {
        Router router = router(route("api", match().host("api.example.com").prefix("/api")));
        assertNull(router.match(TestRequest.get("api.example.com", "/web")));
        assertNull(Router.compile(List.of()).match(TestRequest.get("api.example.com", "/")));
    }

    @Test
    void routesAreListedInConfigOrderAndKeepTheirConfig() {
        RouteConfig first = route("a", match().prefix("/a"));
        RouteConfig second = route("b", match());
        Router router = router(first, second);
        assertEquals(List.of("a", "b"), router.routes().stream().map(Route::name).toList());
        assertSame(first, router.routes().get(0).config());
        assertSame(router.routes().get(1), router.match(TestRequest.get("h", "/b")));
    }
}
