package dev.rampart.core.routing;

import dev.rampart.core.config.RouteConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.rampart.core.routing.TestRoutes.match;
import static dev.rampart.core.routing.TestRoutes.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The prefix trie that narrows long route lists must pick the route a plain scan in configuration order picks,
 * for every request: the router is compared with that scan on random configurations and requests.
 */
class PathCandidatesTest {

    private static final String[] HOSTS = {"a.example", "b.example", "x.other", null};

    @Test
    void theRouterPicksWhatAScanInConfigurationOrderPicksForRandomRoutesAndRequests() {
        Random random = new Random(20261205);
        int compared = 0;
        for (int config = 0; config < 300; config++) {
            List<RouteConfig> configs = randomRoutes(random, 1 + random.nextInt(120));
            Router router = Router.compile(configs);
            for (int request = 0; request < 200; request++) {
                TestRequest req = randomRequest(random);
                Route expected = scan(router.routes(), req);
                Route actual = router.match(req);
                assertEquals(expected == null ? null : expected.name(), actual == null ? null : actual.name(),
                        () -> "request " + req + " against " + router);
                compared++;
            }
        }
        assertEquals(60_000, compared);
    }

    @Test
    void theLastOfTwoThousandPrefixRoutesIsFoundAndAnEarlierShorterPrefixStillWins() {
        List<RouteConfig> routes = new ArrayList<>();
        routes.add(route("orders", match().prefix("/r1999/orders")));
        for (int i = 0; i < 2_000; i++) {
            routes.add(route("r" + i, match().prefix("/r" + i + "/")));
        }
        routes.add(route("deep", match().prefix("/r1999/x/deeper")));
        routes.add(route("regex", match().regex("^/z")));
        Router router = Router.compile(routes);

        assertEquals("r1999", router.match(TestRequest.get("h", "/r1999/x/deeper/still")).name(),
                "the earlier, shorter prefix wins over the longer one configured after it");
        assertEquals("orders", router.match(TestRequest.get("h", "/r1999/orders/7")).name());
        assertEquals("r7", router.match(TestRequest.get("h", "/r7/")).name());
        assertEquals("regex", router.match(TestRequest.get("h", "/z")).name(), "a route without a prefix still runs");
        assertEquals(null, router.match(TestRequest.get("h", "/r2000/")));
        assertEquals(null, router.match(TestRequest.get("h", "/r1")), "a prefix longer than the path takes nothing");
    }

    @Test
    void aShortListIsHandedOutWholeAndALongOneNarrowed() {
        Route[] few = compiled(PathCandidates.MIN_PREFIX_ROUTES - 1, 0);
        assertSame(few, PathCandidates.of(few).prefixed("/p3/"));
        assertEquals(0, PathCandidates.of(few).unprefixed().length, "they are in the whole list already");

        Route[] many = compiled(PathCandidates.MIN_PREFIX_ROUTES, 0);
        Route[] forP3 = PathCandidates.of(many).prefixed("/p3/x");
        assertNotSame(many, forP3);
        assertEquals(List.of("p3"), names(forP3));
        assertEquals(List.of(), names(PathCandidates.of(many).prefixed(null)));
    }

    @Test
    void manyPrefixRoutesBesideManyRegexRoutesKeepTheirTrie() {
        // 5,000 prefixes and 200 routes without one: each node used to repeat the 200 (a million references,
        // past the trie's limit), and every request then tested all 5,200 routes in turn.
        Route[] routes = compiled(5_000, 200);
        PathCandidates candidates = PathCandidates.of(routes);

        assertEquals(List.of("p4999"), names(candidates.prefixed("/p4999/x")));
        assertEquals(200, candidates.unprefixed().length);
        Router router = Router.compile(configs(5_000, 200));
        assertEquals("p4999", router.match(TestRequest.get("h", "/p4999/x")).name());
        assertEquals("r7", router.match(TestRequest.get("h", "/r7/1")).name());
    }

    @Test
    void aPrefixTooLongForTheTrieLeavesTheListWholeAndMatchingAsBefore() {
        List<RouteConfig> routes = configs(PathCandidates.MIN_PREFIX_ROUTES, 0);
        String longPrefix = "/long/" + "x".repeat(100_000) + "/";
        routes.add(0, route("long", match().prefix(longPrefix)));
        Route[] compiled = Router.compile(routes).routes().toArray(Route[]::new);
        assertSame(compiled, PathCandidates.of(compiled).prefixed("/p3/"), "a scan of every route, not a trie");

        Router router = Router.compile(routes);
        assertEquals("long", router.match(TestRequest.get("h", longPrefix + "y")).name());
        assertEquals("p3", router.match(TestRequest.get("h", "/p3/x")).name());
        assertEquals(null, router.match(TestRequest.get("h", "/long/xx")));
    }

    private static Route[] compiled(int prefixes, int regexes) {
        return Router.compile(configs(prefixes, regexes)).routes().toArray(Route[]::new);
    }

    private static List<RouteConfig> configs(int prefixes, int regexes) {
        List<RouteConfig> routes = new ArrayList<>();
        for (int i = 0; i < regexes; i++) {
            routes.add(route("r" + i, match().regex("^/r" + i + "/[0-9]+$")));
        }
        for (int i = 0; i < prefixes; i++) {
            routes.add(route("p" + i, match().prefix("/p" + i + "/")));
        }
        return routes;
    }

    private static List<String> names(Route[] routes) {
        List<String> names = new ArrayList<>();
        for (Route route : routes) {
            names.add(route.name());
        }
        return names;
    }

    /** What the router must agree with: every route in order, each criterion tested. */
    private static Route scan(List<Route> routes, RequestView request) {
        String host = request.host();
        for (Route route : routes) {
            boolean hostHolds = host == null ? !route.hasHost() : route.matchesHost(host, Hosts.hostEnd(host));
            if (hostHolds && route.matchesRest(request)) {
                return route;
            }
        }
        return null;
    }

    /** Short prefixes over a small alphabet, so that prefixes nest, repeat and share stems. */
    private static List<RouteConfig> randomRoutes(Random random, int count) {
        List<RouteConfig> routes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TestRoutes.Match m = match();
            int kind = random.nextInt(10);
            if (kind < 7) {
                m = m.prefix(randomPath(random, 1 + random.nextInt(4)));
            } else if (kind == 7) {
                m = m.regex(randomPath(random, 2) + "$");
            } else if (kind == 8) {
                m = m.methods("POST");
            } // else: no criterion but perhaps a host
            int host = random.nextInt(6);
            if (host == 0) {
                m = m.host("a.example");
            } else if (host == 1) {
                m = m.host("*.example");
            } else if (host == 2) {
                m = m.host("b.example");
            }
            if (random.nextInt(8) == 0) {
                m = m.headers(Map.of("x-v", "1"));
            }
            routes.add(route("route" + i, m));
        }
        return routes;
    }

    private static TestRequest randomRequest(Random random) {
        String host = HOSTS[random.nextInt(HOSTS.length)];
        String path = random.nextInt(40) == 0 ? null : randomPath(random, random.nextInt(7));
        String method = random.nextBoolean() ? "GET" : "POST";
        Map<String, String> headers = random.nextBoolean() ? Map.of("X-V", "1") : Map.of();
        return new TestRequest(method, host, path, headers);
    }

    private static String randomPath(Random random, int length) {
        StringBuilder path = new StringBuilder("/");
        for (int i = 0; i < length; i++) {
            path.append("ab/".charAt(random.nextInt(3)));
        }
        return path.toString();
    }
}
