package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A route's {@code canary}: what binds, and what is refused before any request. */
class CanaryConfigTest extends RejectedConfigSupport {

    /** Two upstreams, {@code app} and {@code next}, and one route (line 4) with {@code keys}. */
    private static String withRoute(String keys) {
        return """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] }, next { endpoints = ["127.0.0.1:8082"] } }
                  routes = [
                    { name = r, %s }
                  ]
                }
                """.formatted(keys);
    }

    private CanaryConfig canary(String keys) {
        return HoconFiles.load(dir, withRoute(keys)).routes().get(0).canary().orElseThrow();
    }

    private List<String> problems(String keys) {
        return problemsOf(withRoute(keys)).stream().map(p -> p.replace(at(4), "")).toList();
    }

    @Test
    void aShareOfRequestsDrawnAnewOrKeptByAKey() {
        assertEquals(new CanaryConfig("next", 1000, Optional.empty()),
                canary("upstream = app, canary { upstream = next, percent = 10 }"));
        assertEquals(new CanaryConfig("next", 25, Optional.of(new ConsistentHashConfig(ConsistentHashConfig.Key.COOKIE,
                        Optional.of("session")))),
                canary("upstream = app, canary { upstream = next, percent = 0.25, sticky { key = cookie, name = session } }"));
        assertEquals(new CanaryConfig("next", 10_000, Optional.of(ConsistentHashConfig.DEFAULT)),
                canary("upstream = app, canary { upstream = next, percent = 100, sticky {} }"));
        assertEquals(Optional.empty(), HoconFiles.load(dir, withRoute("upstream = app")).routes().get(0).canary());
    }

    @Test
    void aHeaderOrACookieMayChooseTheSide() {
        assertEquals(new CanaryConfig("next", 0, Optional.empty(), Optional.of("X-Canary"), Optional.empty(),
                        Optional.of("canary")),
                canary("upstream = app, canary { upstream = next, percent = 0, by-header = X-Canary, by-cookie = canary }"));
        assertEquals(new CanaryConfig("next", 500, Optional.empty(), Optional.of("X-Release"), Optional.of("beta 2"),
                        Optional.empty()),
                canary("upstream = app, canary { upstream = next, percent = 5, by-header = X-Release,"
                        + " by-header-value = \"beta 2\" }"));
    }

    @Test
    void theHeaderAndCookieMustBeNamesARequestCanCarry() {
        String canary = "upstream = app, canary { upstream = next, percent = 5, %s }";
        assertEquals(List.of("rampart.routes[0].canary.by-header: expected a header name (a token such as X-Canary),"
                + " got \"X Canary\""), problems(canary.formatted("by-header = \"X Canary\"")));
        assertEquals(List.of("rampart.routes[0].canary.by-cookie: expected a cookie name (a token such as canary),"
                + " got \"can=ary\""), problems(canary.formatted("by-cookie = \"can=ary\"")));
        assertEquals(List.of("rampart.routes[0].canary.by-header: Connection cannot choose a side: a hop-by-hop header:"
                + " it belongs to one connection and never crosses the proxy"),
                problems(canary.formatted("by-header = Connection")));
        assertEquals(List.of("rampart.routes[0].canary.by-header: Cookie cannot choose a side: it carries the client's"
                + " cookies: use by-cookie"), problems(canary.formatted("by-header = Cookie")));
        assertEquals(List.of("rampart.routes[0].canary.by-header-value: expected a header value of printable ASCII"
                + " without leading or trailing spaces, got \"\u00e9\""),
                problems(canary.formatted("by-header = X-Release, by-header-value = \"\u00e9\"")));
        assertEquals(List.of("rampart.routes[0].canary.by-header-value: is read only with by-header, the header that"
                + " carries the value"), problems(canary.formatted("by-header-value = beta")));
        assertEquals(List.of("rampart.routes[0].canary.by-header-value: expected a header value of printable ASCII"
                + " without leading or trailing spaces, got \" beta\""),
                problems(canary.formatted("by-header = X-Release, by-header-value = \" beta\"")));
        assertEquals(List.of("rampart.routes[0].canary.by-header-value: expected a header value of printable ASCII"
                + " without leading or trailing spaces, got \"\""), problems(canary.formatted("by-header = X-Release, by-header-value = \"\"")));
    }

    @Test
    void theCanaryNeedsAnotherDeclaredUpstreamAShareAndARouteThatForwards() {
        assertEquals(List.of("rampart.routes[0].canary.upstream: is the route's own upstream: name the one that takes"
                + " the canary's share"), problems("upstream = app, canary { upstream = app, percent = 5 }"));
        assertEquals(List.of("rampart.routes[0].canary.upstream: expected the name of an upstream (app, next), got"
                + " \"nxt\" (did you mean \"next\"?)"), problems("upstream = app, canary { upstream = nxt, percent = 5 }"));
        assertEquals(List.of("rampart.routes[0].canary.upstream: missing (expected the name of the upstream that takes"
                + " the canary's share)"), problems("upstream = app, canary { percent = 5 }"));
        assertEquals(List.of("rampart.routes[0].canary.percent: missing (expected the share of requests the canary"
                + " takes, 0-100, e.g. 5)"), problems("upstream = app, canary { upstream = next }"));
        assertEquals(List.of("rampart.routes[0].canary.percent: at most two decimals (0.01 is the smallest share),"
                + " got 0.125"), problems("upstream = app, canary { upstream = next, percent = 0.125 }"));
        assertEquals(List.of("rampart.routes[0].canary.percent: at most two decimals (0.01 is the smallest share),"
                + " got 0.0001"), problems("upstream = app, canary { upstream = next, percent = 0.0001 }"),
                "written as a person writes it, not as a double renders (1.0E-4)");
        assertEquals(List.of("rampart.routes[0].canary: needs the route's upstream: a canary takes a share of what"
                + " the route forwards"), problems("respond { status = 200 }, canary { upstream = next, percent = 5 }"));
        assertEquals(List.of("rampart.routes[0].canary.sticky.name: missing: key = header needs the header whose"
                + " value is the key, e.g. name = \"X-User-Id\""),
                problems("upstream = app, canary { upstream = next, percent = 5, sticky { key = header } }"));
        assertEquals(List.of("rampart.routes[0].canary.sticky.name: X-Real-IP is set by the proxy on the way to the"
                + " upstream, from what the client claims: every made-up value would be a key of its own; for a key per"
                + " client, use key = client-address (behind load balancers, with server.trusted-proxies)"),
                problems("upstream = app, canary { upstream = next, percent = 5, sticky { key = header, name = X-Real-IP } }"),
                "a client would choose its side");
        assertEquals(1, problems("upstream = app, canary { upstream = next, percent = 5, sticky { balance-factor = 150 } }")
                .size(), "an upstream's ring has a bound on load; a canary's slots have none");
        assertEquals(1, problems("upstream = app, canary { upstream = next, percent = 101 }").size());
        assertEquals(1, problems("upstream = app, canary { upstream = next, percent = 5, weight = 3 }").size(),
                "an unknown key");
    }
}
