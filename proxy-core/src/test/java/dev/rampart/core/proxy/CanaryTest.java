package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code canary} through real sockets, with two upstreams that say who they are: the canary takes about
 * its share of requests (the access log and envelopes name the side each took); a sticky key keeps every request
 * of a session on one side, and a larger share after a reload only moves sessions to the canary; a retry stays on
 * the side the request was given; a request names its side with the canary's header or cookie, before the share.
 */
class CanaryTest {

    private final FakeUpstream stable = FakeUpstream.start(UpstreamBehavior.ok("stable"));
    private final FakeUpstream next = FakeUpstream.start(UpstreamBehavior.ok("next"));
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        stable.close();
        next.close();
    }

    private String config(String canary, String nextEndpoint) {
        return ProxyHarness.config("app { endpoints = [\"" + stable.authority() + "\"] }\n"
                        + "next { endpoints = [\"" + nextEndpoint + "\"] }",
                "{ name = shop, match { path-prefix = \"/\" }, upstream = app, canary { " + canary + " } }");
    }

    private String get(String cookie) {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /cart HTTP/1.1\r\nHost: shop\r\n"
                    + (cookie == null ? "" : "Cookie: theme=dark; session=" + cookie + "\r\n") + "\r\n").read();
            assertEquals(200, response.status());
            return new String(response.body(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theCanaryTakesAboutItsShareAndTheAccessLogNamesTheSideEachRequestTook() {
        proxy = ProxyHarness.start(config("upstream = next, percent = 25", next.authority()));
        int toNext = 0;
        for (int i = 0; i < 400; i++) {
            toNext += get(null).equals("next") ? 1 : 0;
        }
        assertTrue(toNext >= 60 && toNext <= 140, toNext + " of 400 to the canary, expected about 100");
        proxy.observer.awaitExchange(400);
        long loggedNext = proxy.observer.exchanges.stream().map(ExchangeRecord::upstream).filter("next"::equals).count();
        assertEquals(toNext, loggedNext);
        assertEquals(toNext, next.requests().size());
    }

    @Test
    void aStickySessionStaysOnOneSideAndALargerShareOnlyMovesSessionsToTheCanary() throws Exception {
        String canary = "upstream = next, percent = %s, sticky { key = cookie, name = session }";
        proxy = ProxyHarness.start(config(canary.formatted("30"), next.authority()));
        Set<String> onNext = new HashSet<>();
        for (int s = 0; s < 100; s++) {
            String side = get("s" + s);
            for (int again = 0; again < 2; again++) {
                assertEquals(side, get("s" + s), "session s" + s + " changed sides");
            }
            if (side.equals("next")) {
                onNext.add("s" + s);
            }
        }
        assertTrue(onNext.size() >= 15 && onNext.size() <= 45, onNext.size() + " of 100 sessions on the canary");

        proxy.runtime().apply(ConfigLoader.parse(config(canary.formatted("60"), next.authority()), "test.conf"));
        int nowOnNext = 0;
        for (int s = 0; s < 100; s++) {
            String side = get("s" + s);
            if (onNext.contains("s" + s)) {
                assertEquals("next", side, "s" + s + " was on the canary at 30 %");
            }
            nowOnNext += side.equals("next") ? 1 : 0;
        }
        assertTrue(nowOnNext >= 45 && nowOnNext <= 75, nowOnNext + " of 100 sessions on the canary at 60 %");
    }

    private String sideOf(String headers) {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /cart HTTP/1.1\r\nHost: shop\r\n" + headers + "\r\n").read();
            assertEquals(200, response.status());
            return new String(response.body(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aHeaderOrCookieChoosesTheSideBeforeTheShareHeaderFirst() {
        proxy = ProxyHarness.start(config("upstream = next, percent = 0, by-header = X-Canary, by-cookie = canary",
                next.authority()));
        for (int i = 0; i < 20; i++) {
            assertEquals("next", sideOf("X-Canary: always\r\n"), "always, with a share of 0");
            assertEquals("stable", sideOf(""));
            assertEquals("stable", sideOf("X-Canary: Always\r\n"), "compared exactly");
            assertEquals("next", sideOf("Cookie: theme=dark; canary=always\r\n"));
            assertEquals("stable", sideOf("X-Canary: never\r\nCookie: canary=always\r\n"), "the header first");
            assertEquals("next", sideOf("X-Canary: maybe\r\nCookie: canary=always\r\n"),
                    "a header naming no side leaves it to the cookie");
            assertEquals("next", sideOf("X-Canary: always\r\nX-Canary: never\r\n"), "the first line counts");
        }
        proxy.runtime().apply(ConfigLoader.parse(config("upstream = next, percent = 100, by-cookie = canary",
                next.authority()), "test.conf"));
        for (int i = 0; i < 20; i++) {
            assertEquals("stable", sideOf("Cookie: canary=never\r\n"), "never, with a share of 100");
            assertEquals("next", sideOf("Cookie: canary=later\r\n"));
        }
        assertEquals("canary=later", next.requests().get(next.requests().size() - 1).header("cookie"),
                "the cookie is forwarded as it came");
    }

    @Test
    void aHeaderValueSendsOnlyThatValueToTheCanary() {
        proxy = ProxyHarness.start(config("upstream = next, percent = 0, by-header = X-Release,"
                + " by-header-value = \"beta testers\"", next.authority()));
        for (int i = 0; i < 20; i++) {
            assertEquals("next", sideOf("X-Release: beta testers\r\n"));
            assertEquals("stable", sideOf("X-Release: always\r\n"), "always is just another value now");
            assertEquals("stable", sideOf("X-Release: beta\r\n"));
        }
    }

    @Test
    void aRetryStaysWithTheCanaryAndItsEnvelopeNamesIt() {
        int refusing = FakeUpstream.refusingPort();
        proxy = ProxyHarness.start(config("upstream = next, percent = 100", "127.0.0.1:" + refusing));
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET /cart HTTP/1.1\r\nHost: shop\r\n\r\n").read();
            assertEquals(502, response.status());
            dev.rampart.core.testing.Envelope envelope = dev.rampart.core.testing.Envelope.parse(response.body());
            assertEquals("UPSTREAM_CONNECT_REFUSED", envelope.reason());
            assertEquals("next", envelope.metadata("upstream"));
        }
        assertEquals(3, proxy.observer.awaitExchange(1).attempts(), "every attempt on the canary's upstream");
        assertEquals(0, stable.requests().size());
    }
}
