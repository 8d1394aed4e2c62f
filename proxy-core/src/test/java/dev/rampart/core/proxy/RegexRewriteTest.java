package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rewrite { regex, replacement }} through real sockets: the upstream gets the rewritten path with the query
 * as it came and no {@code X-Forwarded-Prefix}, in normal form; a rewrite that would make a dot segment is refused
 * with 400 and reaches no upstream, and so is one whose escapes make one; a regex that gives up on a path (it
 * backtracks without end, or its repetition overflows the stack) answers 500 at once, whether it rewrites or routes,
 * and the regexes of one request, routing's and the rewrite's, spend one budget.
 */
class RegexRewriteTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + upstream.authority() + "\"] }",
            "{ name = api, match { path-prefix = \"/api/\" }, upstream = app,"
                    + " rewrite { regex = \"^/api/(?<segment>.*)$\", replacement = \"/${segment}\" } }\n"
                    + "{ name = versions, match { path-prefix = \"/v\" }, upstream = app,"
                    + " rewrite { regex = \"^/v([^/]*)\", replacement = \"/$1\" } }\n"
                    + "{ name = doubled, match { path-prefix = \"/d/\" }, upstream = app,"
                    + " rewrite { regex = \"^/d/\", replacement = \"/e//\" } }\n"
                    + "{ name = zeros, match { path-prefix = \"/z/\" }, upstream = app,"
                    + " rewrite { regex = \"0\", replacement = \"\" } }\n"
                    + "{ name = backtracking, match { path-prefix = \"/bt/\" }, upstream = app,"
                    + " rewrite { regex = \"(.*a){8}$\", replacement = \"/x\" } }\n"
                    + "{ name = deep, match { path-prefix = \"/deep/\" }, upstream = app,"
                    + " rewrite { regex = \"^/deep/((?:a|b)*)$\", replacement = \"/$1\" } }\n"
                    + "{ name = routed-by-regex, match { path-regex = \"^/r/(.*a){8}$\" }, upstream = app }\n"
                    // Unanchored, each of these two reads about 6,000,000 characters of a 2,000-character path.
                    + "{ name = asp, match { path-regex = \".*[.]asp$\" }, upstream = app }\n"
                    + "{ name = costly-rewrite, match { path-prefix = \"/c/\" }, upstream = app,"
                    + " rewrite { regex = \".*[.]jsp$\", replacement = \"/j\" } }"));

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private int get(String target) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Forwarded-Prefix: /spoofed\r\n\r\n").read().status();
        }
    }

    @Test
    void theUpstreamGetsTheRewrittenPathWithTheQueryAsItCame() {
        assertEquals(200, get("/api/users/1?page=2&q=a%20b"));
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("/users/1?page=2&q=a%20b", seen.uri());
        assertNull(seen.header("X-Forwarded-Prefix"), "a regex names no removed prefix; the client's is dropped");
    }

    @Test
    void theRewrittenPathIsForwardedInNormalForm() {
        assertEquals(200, get("/d/x"));
        assertEquals("/e/x", upstream.requests().get(0).uri());
    }

    @Test
    void aRewriteThatMakesADotSegmentIsRefused() {
        assertEquals(400, get("/v.."));
        assertEquals(0, upstream.requests().size());
        assertEquals(200, get("/v2/x"));
        assertEquals("/2/x", upstream.requests().get(0).uri());
    }

    @Test
    void escapesARewriteAssemblesAreReadBeforeTheCheckForDotSegments() {
        assertEquals(400, get("/z/%20e%20e/admin"), "%2e%2e once the zeros are gone");
        assertEquals(0, upstream.requests().size());
        assertEquals(200, get("/z/a0b"));
        assertEquals("/z/ab", upstream.requests().get(0).uri());
    }

    @Test
    void aRegexThatGivesUpOnAPathAnswers500AndTheProxyGoesOn() {
        long began = System.nanoTime();
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response answer = raw.send("GET /bt/" + "a".repeat(60) + "! HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(500, answer.status());
            assertEquals("PATH_REGEX_GAVE_UP", Envelope.parse(answer.body()).reason());
        }
        assertTrue(System.nanoTime() - began < java.util.concurrent.TimeUnit.SECONDS.toNanos(20),
                "gave up rather than backtracking for hours");
        assertEquals(500, get("/deep/" + "a".repeat(6000)), "repetition deeper than the stack");
        assertEquals(500, get("/r/" + "a".repeat(60) + "!"), "a path-regex gives up as well");
        assertEquals(0, upstream.requests().size());
        assertEquals(200, get("/deep/abab"));
        assertEquals("/abab", upstream.requests().get(0).uri());
    }

    @Test
    void theRegexesThatRouteARequestAndRewriteItsPathSpendOneBudget() {
        String longTail = "x".repeat(2000);
        assertEquals(404, get("/a/" + longTail), "one costly regex alone is within the budget: routed, to no route");
        assertEquals(500, get("/c/" + longTail), "the rewrite's regex has what routing's left: too little");
        assertEquals(0, upstream.requests().size());
        assertEquals(200, get("/c/" + "x".repeat(200)));
        assertEquals("/c/" + "x".repeat(200), upstream.requests().get(0).uri(), "not a .jsp: left as it is");
    }
}
