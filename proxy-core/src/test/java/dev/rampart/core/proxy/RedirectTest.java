package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code respond} redirects through real sockets: to another host with the request's path and query, to the
 * request's own host on https, and a moved prefix through the route's rewrite.
 */
class RedirectTest {

    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config("", """
            { name = apex, match { host = "www.example.com" },
              respond { status = 301, location = "https://example.com" } },
            { name = docs, match { path-prefix = "/old-docs" }, rewrite { replace-prefix { from = "/old-docs", to = "/docs" } },
              respond { status = 308, location = "https://{host}/" } },
            { name = tls, match { headers { X-Forwarded-Proto = "http" } }, respond { status = 301, location = "https://{host}" } },
            { name = gone, match { path-prefix = "/gone" }, respond { status = 302, location = "/", keep-path = false } },
            { name = maintenance, match { path-prefix = "/shop" },
              respond { status = 302, location = "https://{host}:8443/maintenance", keep-path = false } },
            { name = server, match { path-regex = "^\\\\*$" }, respond { status = 301, location = "https://{host}" } },
            { name = root, match { path-prefix = "/old" }, rewrite { strip-prefix = "/old" }, respond { status = 301, location = "/" } },
            { name = www, match { host = "example.net" }, respond { status = 301, location = "https://www.{host}" } },
            { name = anchor, match { path-prefix = "/faq" }, respond { status = 302, location = "/help#faq", keep-path = false } },
            { name = query, match { path-prefix = "/from" },
              respond { status = 302, location = "https://{host}?from=https://old.example.com/", keep-path = false } },
            { name = home, match { path-prefix = "/home" }, respond { status = 302, location = "https://www.{host}:8443#/home", keep-path = false } }
            """));

    @AfterEach
    void stop() {
        proxy.close();
    }

    private RawHttp.Response send(String target, String headers) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET " + target + " HTTP/1.1\r\n" + headers + "\r\n").read();
        }
    }

    @Test
    void aRedirectKeepsThePathAndQueryInNormalForm() {
        RawHttp.Response moved = send("/a/./b/../c%7e?x=1&y=%20", "Host: www.example.com\r\n");
        assertEquals(301, moved.status());
        assertEquals("https://example.com/a/c~?x=1&y=%20", moved.header("location"));
        assertEquals("0", moved.header("content-length"));
    }

    @Test
    void theRequestsHostWithoutItsPortAndTheRewrittenPath() {
        RawHttp.Response docs = send("/old-docs/intro?v=2", "Host: Shop.Example.com:8080\r\n");
        assertEquals(308, docs.status());
        assertEquals("https://shop.example.com/docs/intro?v=2", docs.header("location"));
        RawHttp.Response tls = send("/cart", "Host: [2001:db8::1]:80\r\nX-Forwarded-Proto: http\r\n");
        assertEquals("https://[2001:db8::1]/cart", tls.header("location"));
        RawHttp.Response noHost = send("/old-docs/x", "");
        assertEquals(400, noHost.status(), "HTTP/1.1 without Host is refused before any route");
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response old = raw.send("GET /old-docs/x HTTP/1.0\r\n\r\n").read();
            assertEquals("/docs/x", old.header("location"), "no host to name: the redirect stays on the same one");
        }
        assertEquals("https://example.com:8443/maintenance", send("/shop/x", "Host: example.com\r\n").header("location"));
        try (RawHttp raw = proxy.raw()) {
            assertEquals("/maintenance", raw.send("GET /shop/x HTTP/1.0\r\n\r\n").read().header("location"),
                    "the location's own path, only its scheme and port lost with the host");
        }
    }

    @Test
    void whatAUriDoesNotAllowInThePathIsEscapedSoABackslashCannotLeadToAnotherHost() {
        RawHttp.Response root = send("/old/\\evil.example/x?q=\"", "Host: example.com\r\n");
        assertEquals(301, root.status());
        assertEquals("/%5Cevil.example/x?q=%22", root.header("location"), "a browser reads /\\x as //x");
        RawHttp.Response underscore = send("/cart", "Host: shop_eu.example.com\r\nX-Forwarded-Proto: http\r\n");
        assertEquals("https://shop_eu.example.com/cart", underscore.header("location"),
                "a host requests may carry is a host a redirect names");
    }

    @Test
    void anAsteriskFormRequestIsRedirectedToTheLocationAloneForItHasNoPath() {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response options = raw.send("OPTIONS * HTTP/1.1\r\nHost: example.org\r\n\r\n").read();
            assertEquals(301, options.status());
            assertEquals("https://example.org", options.header("location"), "not https://example.org*");
        }
    }

    @Test
    void aFixedLocationIgnoresThePath() {
        RawHttp.Response gone = send("/gone/page?q=1", "Host: example.com\r\n");
        assertEquals(302, gone.status());
        assertEquals("/", gone.header("location"));
    }

    @Test
    void labelsBeforeTheRequestsHostAndAFragmentAreKept() {
        RawHttp.Response www = send("/a?b=1", "Host: Example.NET:8080\r\n");
        assertEquals(301, www.status());
        assertEquals("https://www.example.net/a?b=1", www.header("location"), "nginx's https://www.$host$request_uri");
        assertEquals("/help#faq", send("/faq/x", "Host: example.com\r\n").header("location"));
    }

    @Test
    void withoutAHostToNameAQueryOrFragmentRightAfterTheAuthorityStaysOnThisHost() {
        try (RawHttp raw = proxy.raw()) {
            assertEquals("/?from=https://old.example.com/", raw.send("GET /from HTTP/1.0\r\n\r\n").read()
                    .header("location"), "the / inside the query is no path: //old.example.com would be another site");
        }
        try (RawHttp raw = proxy.raw()) {
            assertEquals("/#/home", raw.send("GET /home HTTP/1.0\r\n\r\n").read().header("location"));
        }
        assertEquals("https://example.com?from=https://old.example.com/",
                send("/from", "Host: example.com\r\n").header("location"));
    }
}
