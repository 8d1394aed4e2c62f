package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Over real sockets: a {@code respond} redirect names a bracketed IPv6 Host that has no port, and keeps the
 * characters a URI allows in a path as they are (the edges of each range: a, z, A, Z, 0, 9, and '-').
 */
class RedirectLocationHostAndPathCharactersTest {

    private static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        proxy = ProxyHarness.start(ProxyHarness.config("", """
                { name = tls, match { headers { X-Forwarded-Proto = "http" } }, respond { status = 301, location = "https://{host}" } },
                { name = moved, match { path-prefix = "/" }, respond { status = 301, location = "https://example.com/" } }
                """));
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    private static RawHttp.Response send(String target, String headers) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET " + target + " HTTP/1.1\r\n" + headers + "\r\n").read();
        }
    }

    @Test
    void aBracketedIpv6HostWithoutAPortIsNamedInTheLocation() {
        RawHttp.Response tls = send("/cart", "Host: [2001:db8::1]\r\nX-Forwarded-Proto: http\r\n");
        assertEquals(301, tls.status());
        assertEquals("https://[2001:db8::1]/cart", tls.header("location"));
    }

    @Test
    void withoutAHostToNameALocationThatIsOnlySchemeAndHostBecomesThePath() {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response old = raw.send("GET /cart?x=1 HTTP/1.0\r\nX-Forwarded-Proto: http\r\n\r\n").read();
            assertEquals(301, old.status());
            assertEquals("/cart?x=1", old.header("location"));
        }
    }

    @Test
    void charactersJustPastEachAllowedRangeAreEscaped() {
        RawHttp.Response moved = send("/q/{x}|`^<>[]", "Host: example.org\r\n");
        assertEquals(301, moved.status());
        assertEquals("https://example.com/q/%7Bx%7D%7C%60%5E%3C%3E%5B%5D", moved.header("location"));
    }

    @Test
    void theEdgesOfTheUnreservedRangesAreKeptUnescaped() {
        RawHttp.Response moved = send("/azAZ09-._~/Za-9?q=a-z&Z=0", "Host: example.org\r\n");
        assertEquals(301, moved.status());
        assertEquals("https://example.com/azAZ09-._~/Za-9?q=a-z&Z=0", moved.header("location"));
    }
}
