package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A path whose segment parameters, dropped as Tomcat, Jetty and Spring drop them, would take it to another
 * route is refused: routes that refuse a prefix cannot be walked past with {@code /;/admin}. Parameters that
 * leave the route as it was reach the upstream untouched. A rewrite that would make a dot segment
 * ({@code /api../internal} with {@code strip-prefix = "/api"}) is refused too.
 */
class AmbiguousPathsTest {

    private static FakeUpstream upstream;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", req.uri()));
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", """
                { name = deny, match { path-prefix = "/admin" }, respond { status = 403 } },
                { name = secret, match { path-regex = "^/secret$" }, respond { status = 403 } },
                { name = static, match { path-regex = "\\\\.png$" }, upstream = app },
                { name = guarded, match { path-regex = "^/guarded$" }, upstream = app, allow-from = ["10.0.0.0/8"] },
                { name = feeds, match { path-regex = "\\\\.json$" }, upstream = app, deny-from = ["127.0.0.0/8"] },
                { name = internal, match { path-prefix = "/api/internal/" }, respond { status = 403 } },
                { name = api, match { path-prefix = "/api" }, rewrite { strip-prefix = "/api" }, upstream = app },
                { name = app, upstream = app }
                """));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        upstream.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/;/admin", "/;x=1/admin", "/secret;x", "/api/internal;x/users", "/api/;/internal/users",
            "/api%2F;%2Finternal/users", "/guarded;x", "/guarded;jsessionid=A1", "/feed.json;x"})
    void parametersThatWouldMoveTheRequestToAnotherRouteAreRefused(String path) {
        assertEquals(400, get(path).status(), path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api../internal/users", "/api../x", "/api..", "/api.;/x", "/api..;/x"})
    void aRewriteThatWouldMakeADotSegmentIsRefused(String path) { // strip-prefix "/api" would make "/../internal/users"
        assertEquals(400, get(path).status(), path);
    }

    @ParameterizedTest
    @CsvSource({"/api/x, /x", "/api.x/y, /.x/y", "/api/..x/y, /..x/y"})
    void aRewriteThatMakesNoDotSegmentIsForwarded(String path, String forwarded) {
        RawHttp.Response response = get(path);
        assertEquals(200, response.status(), path);
        assertEquals(forwarded, response.text());
    }

    @ParameterizedTest
    @CsvSource({"/shop;jsessionid=A1/cart, 200", "/a;v=1/b;w=2, 200", "/admin;x/y, 403", "/api/internal/u;x, 403",
            "/x?q=/;/admin, 200",
            "/img/logo.png;jsessionid=AB12, 200"})
    void parametersThatLeaveTheRouteAsItWasPass(String path, int status) {
        RawHttp.Response response = get(path);
        assertEquals(status, response.status(), path);
        if (status == 200) {
            assertEquals(path, response.text(), "forwarded untouched");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/guarded", "/feed.json"})
    void theRoutesThatRefuseLastSegmentParametersToReachRefuseTheLoopbackClient(String path) {
        assertEquals(403, get(path).status(), path);
    }

    private static RawHttp.Response get(String path) {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return raw.read();
        }
    }
}
