package dev.rampart.core.routing;

import dev.rampart.core.config.RouteConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.rampart.core.routing.TestRoutes.match;
import static dev.rampart.core.routing.TestRoutes.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code match.host} criterion: case, ports, trailing dots, wildcards, IPv6 literals. */
class RouterHostTest {

    private static String routed(Router router, RequestView request) {
        Route route = router.match(request);
        return route == null ? null : route.name();
    }

    private static Router router(RouteConfig... routes) {
        return Router.compile(List.of(routes));
    }

    private final Router router = router(
            route("exact", match().host("api.example.com")),
            route("wild", match().host("*.example.com")),
            route("v6", match().host("::1")));

    @Test
    void exactHostMatchesOnlyThatHost() {
        assertEquals("exact", routed(router, TestRequest.get("api.example.com", "/")));
        assertNull(routed(router, TestRequest.get("api.example.org", "/")));
    }

    @Test
    void hostIsCaseInsensitiveOnBothSides() {
        Router mixed = router(route("exact", match().host("Api.Example.COM")));
        assertEquals("exact", routed(mixed, TestRequest.get("API.example.com", "/")));
        assertEquals("exact", routed(router, TestRequest.get("API.EXAMPLE.COM", "/")));
        assertEquals("wild", routed(router, TestRequest.get("WWW.Example.Com", "/")));
        Router az = router(route("az", match().host("zoo-a.example.com")));
        assertEquals("az", routed(az, TestRequest.get("ZOO-A.EXAMPLE.COM", "/")), "both ends of A to Z folded");
    }

    @Test
    void aTrailingDotInTheConfiguredHostIsIgnoredToo() {
        Router dotted = router(route("dotted", match().host("api.example.com.")));
        assertEquals("dotted", routed(dotted, TestRequest.get("api.example.com", "/")));
        assertEquals("dotted", routed(dotted, TestRequest.get("api.example.com.:8080", "/")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.example.com:8080", "api.example.com:80", "API.example.com:443", "api.example.com."})
    void portAndTrailingDotAreIgnored(String host) {
        assertEquals("exact", routed(router, TestRequest.get(host, "/")));
    }

    @Test
    void wildcardTakesOneOrMoreLabelsButNotTheBareDomain() {
        assertEquals("wild", routed(router, TestRequest.get("a.example.com", "/")));
        assertEquals("wild", routed(router, TestRequest.get("a.b.example.com:8443", "/")));
        assertNull(routed(router, TestRequest.get("example.com", "/")));
        assertNull(routed(router, TestRequest.get(".example.com", "/")));
        assertNull(routed(router, TestRequest.get("badexample.com", "/")));
    }

    @Test
    void ipv6LiteralMatchesWithAndWithoutPort() {
        assertEquals("v6", routed(router, TestRequest.get("[::1]:8080", "/")));
        assertEquals("v6", routed(router, TestRequest.get("[::1]", "/")));
        assertNull(routed(router, TestRequest.get("[::2]:8080", "/")));
        Router bracketed = router(route("v6", match().host("[2001:DB8::1]")));
        assertEquals("v6", routed(bracketed, TestRequest.get("[2001:db8::1]:443", "/")));
        Router longhand = router(route("v6", match().host("[2001:DB8:0:0:0:0:0:1]")));
        assertEquals("v6", routed(longhand, TestRequest.get("[2001:db8::1]:443", "/")),
                "written in full in the config, the short form clients send");
        Router mixed = router(route("v6", match().host("[::FFFF:192.0.2.1]")));
        assertEquals("v6", routed(mixed, TestRequest.get("[::ffff:192.0.2.1]", "/")));
    }

    @Test
    void requestWithoutHostOnlyMatchesHostlessRoutes() {
        Router withFallback = router(route("exact", match().host("api.example.com")), route("any", match()));
        assertEquals("any", routed(withFallback, TestRequest.get(null, "/")));
        assertNull(routed(router, TestRequest.get(null, "/")));
        assertNull(routed(router, TestRequest.get("", "/")));
    }

    @Test
    void loneStarTakesAnyHost() {
        Router star = router(route("star", match().host("*")));
        assertEquals("star", routed(star, TestRequest.get("whatever.test:1", "/")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.example.com:8080", "a.*.com", "*example.com", "", "*.", "*.[::1]", "[1::2::3]",
        "[::1:]", "[1:2:3:4:5:6:7:8:9]", "[1.2.3.4]", "[fe80::1%eth0]", "[]"})
    void hostThatCouldNeverMatchIsRejectedAtCompile(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> router(route("ok", match()), route("bad", match().host(host))));
        assertTrue(e.getMessage().startsWith("routes[1].match.host"), e.getMessage());
    }
}
