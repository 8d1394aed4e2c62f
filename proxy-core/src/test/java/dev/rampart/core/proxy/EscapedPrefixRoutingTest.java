package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A route's prefix and a request's path meet in one normal form: hex digits of escapes in upper case,
 * escaped unreserved characters decoded. Otherwise the case of an escape, or an escaped letter, would walk
 * a request past a route that refuses it (nginx matches every spelling too).
 */
class EscapedPrefixRoutingTest {

    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config("",
            "{ name = deny, match { path-prefix = \"/caf%c3%a9\" }, respond { status = 403, body = \"no\" } }\n"
                    + "{ name = rest, match { path-prefix = \"/\" }, respond { status = 200, body = \"yes\" } }"));

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void everySpellingOfTheSamePathMeetsTheSameRoute() {
        for (String path : List.of("/caf%C3%A9/menu", "/caf%c3%a9/menu", "/caf%C3%a9/menu", "/%63af%C3%A9/menu",
                "/caf\u00c3\u00a9/menu")) {
            try (RawHttp raw = proxy.raw()) {
                assertEquals(403, raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status(), path);
            }
        }
        try (RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send("GET /caf%C3%A8/menu HTTP/1.1\r\nHost: x\r\n\r\n").read().status(),
                    "another path is another path");
        }
    }
}
