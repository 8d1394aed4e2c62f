package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Over real sockets: a regex rewrite that drops characters must not turn a path into one whose escapes make a dot
 * segment ({@code %20e%20e} into {@code %2e%2e}) or into an escape that is none ({@code %25} into {@code %2}); a
 * rewrite that keeps the escapes valid is forwarded. Last-segment parameters must not walk past a regex route that
 * only rate-limits.
 */
class AmbiguousRegexRewritesAndGuardedRoutesTest {

    private static FakeUpstream upstream;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", req.uri()));
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", """
                { name = zeros, match { path-prefix = "/q/" }, rewrite { regex = "0", replacement = "" }, upstream = app },
                { name = fives, match { path-prefix = "/v/" }, rewrite { regex = "5", replacement = "" }, upstream = app },
                { name = limited, match { path-regex = "^/limited$" }, upstream = app,
                  rate-limit { requests-per-second = 1000, burst = 1000 } },
                { name = app, upstream = app }
                """));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        upstream.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/q/%20e%20e/admin", "/q/x/%20e", "/q/%20e%20e"})
    void aRegexRewriteWhoseEscapesMakeADotSegmentIsRefused(String path) {
        assertEquals(400, get(path).status(), path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v/a%25", "/v/a%25b"})
    void aRegexRewriteThatLeavesAnEscapeThatIsNoneIsRefused(String path) { // "%25" loses its 5: "%2", "%2b" is fine
        int status = get(path).status();
        assertEquals(path.endsWith("b") ? 200 : 400, status, path);
    }

    @Test
    void aRegexRewriteThatKeepsItsEscapesValidIsForwarded() {
        RawHttp.Response response = get("/q/a%209");
        assertEquals(200, response.status());
        assertEquals("/q/a%29", response.text());
    }

    @Test
    void lastSegmentParametersCannotWalkPastARegexRouteThatOnlyRateLimits() {
        assertEquals(400, get("/limited;x").status());
        assertEquals(200, get("/limited").status());
    }

    @Test
    void parametersInASegmentThatADotSegmentRemovesLeaveNothingAmbiguous() { // "/x;v=1/../plain" is "/plain" to all
        RawHttp.Response response = get("/x;v=1/../plain");
        assertEquals(200, response.status());
        assertEquals("/plain", response.text());
    }

    private static RawHttp.Response get(String path) {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return raw.read();
        }
    }
}
