package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code X-Forwarded-Prefix} names the path prefix a route's rewrite removed, so that an application that
 * builds links (Spring's {@code ForwardedHeaderFilter}, as behind Spring Cloud Gateway's {@code StripPrefix})
 * builds the client's; it is the proxy's own, never the client's.
 */
class ForwardedPrefixTest {

    private static FakeUpstream upstream;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
        proxy = ProxyHarness.start(ProxyHarness.config(
                "u { endpoints = [\"" + upstream.authority() + "\"] }",
                """
                { name = stripped, match { path-prefix = "/api" }, upstream = u, rewrite { strip-prefix = "/api" } }
                { name = slashed, match { path-prefix = "/shop/" }, upstream = u, rewrite { strip-prefix = "/shop/" } }
                { name = emptied, match { path-prefix = "/old" }, upstream = u, rewrite { replace-prefix { from = "/old", to = "" } } }
                { name = replaced, match { path-prefix = "/legacy" }, upstream = u, rewrite { replace-prefix { from = "/legacy", to = "/v2" } } }
                { name = plain, match { path-prefix = "/" }, upstream = u }
                """));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        upstream.close();
    }

    /** What the upstream saw of one GET of {@code target}. */
    private static RecordedRequest forwarded(String target, String... extraHeaders) {
        int before = upstream.requests().size();
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET " + target + " HTTP/1.1\r\nHost: app.example\r\n" + String.join("", extraHeaders) + "\r\n");
            assertEquals(200, raw.read().status());
        }
        List<RecordedRequest> seen = upstream.requests();
        assertEquals(before + 1, seen.size());
        return seen.get(before);
    }

    @Test
    void aStrippedPrefixIsNamedInXForwardedPrefixInPlaceOfTheClients() {
        RecordedRequest seen = forwarded("/api/orders/7?page=2", "X-Forwarded-Prefix: /evil\r\n");
        assertEquals("/orders/7?page=2", seen.uri());
        assertEquals(List.of("/api"), seen.headers().getAll("x-forwarded-prefix"));
    }

    @Test
    void thePrefixIsNamedWithoutItsTrailingSlashAndForThePrefixAlone() {
        assertEquals("/shop", forwarded("/shop/cart").header("x-forwarded-prefix"));
        assertEquals("/api", forwarded("/api").header("x-forwarded-prefix"), "/api went up as /");
    }

    @Test
    void aPrefixRemovedFromInsideASegmentIsNotNamedSinceNoPrefixMakesTheClientsPathOfTheUpstreams() {
        // "/apis/list" goes up as "/s/list": "/api" before it would make "/api/s/list", a path the client never
        // asked for, and links an application built from it would lead there.
        RecordedRequest seen = forwarded("/apis/list", "X-Forwarded-Prefix: /evil\r\n");
        assertEquals("/s/list", seen.uri());
        assertNull(seen.header("x-forwarded-prefix"));
        RecordedRequest emptied = forwarded("/oldpage");
        assertEquals("/page", emptied.uri());
        assertNull(emptied.header("x-forwarded-prefix"));
    }

    @Test
    void aPrefixReplacedByNothingIsAStrippedOne() {
        RecordedRequest seen = forwarded("/old/page");
        assertEquals("/page", seen.uri());
        assertEquals("/old", seen.header("x-forwarded-prefix"));
    }

    @Test
    void aPrefixReplacedByAnotherOrNoRewriteAtAllNamesNone() {
        RecordedRequest replaced = forwarded("/legacy/page", "X-Forwarded-Prefix: /evil\r\n");
        assertEquals("/v2/page", replaced.uri());
        assertNull(replaced.header("x-forwarded-prefix"), "the application's path is not the client's with a prefix");
        assertNull(forwarded("/plain", "X-Forwarded-Prefix: /evil\r\n").header("x-forwarded-prefix"));
    }
}
