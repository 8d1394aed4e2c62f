package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code per = header} rate limit whose header lists several keys, through the proxy over real sockets: the
 * request goes only if each key's bucket has a token, and one refused takes none. The rate is one request in
 * 1,000 seconds, so that no token comes back while a test runs and the counts are exact.
 */
class RateLimitSeveralKeysTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("hello"));
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + upstream.authority() + "\"] }",
            "{ name = keyed, upstream = app,"
                    + " rate-limit { requests-per-second = 0.001, burst = 3, per = header, header = X-Api-Key } }"));

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private RawHttp.Response get(String keyLines) {
        return RawHttp.exchangeFrom("127.0.0.1", proxy.port(), "GET / HTTP/1.1\r\nHost: app\r\n" + keyLines + "\r\n");
    }

    private List<Integer> statuses(String keyLines, int requests) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            statuses.add(get(keyLines).status());
        }
        return statuses;
    }

    @Test
    void requestsNamingAnExhaustedKeyBesideAnotherLeaveTheOthersTokensUntouched() {
        assertEquals(List.of(200, 200, 200), statuses("X-Api-Key: exhausted\r\n", 3));
        for (String both : List.of("X-Api-Key: victim, exhausted\r\n", "X-Api-Key: exhausted, victim\r\n",
                "X-Api-Key: victim\r\nX-Api-Key: exhausted\r\n")) {
            for (int i = 0; i < 10; i++) {
                RawHttp.Response refused = get(both);
                assertEquals(429, refused.status(), both);
                assertEquals("RATE_LIMITED", Envelope.parse(refused.body()).reason());
                int retryAfter = Integer.parseInt(refused.header("Retry-After"));
                assertTrue(retryAfter > 990 && retryAfter <= 1000,
                        "exhausted's next token is 1,000 s away: " + retryAfter);
            }
        }
        assertEquals(List.of(200, 200, 200, 429), statuses("X-Api-Key: victim\r\n", 4),
                "30 refused requests took none of victim's three tokens");
        assertEquals(6, upstream.requests().size());
    }

    @Test
    void aRequestNamingTwoKeysThatGoesCostsEachOfThemAToken() {
        assertEquals(List.of(200, 200), statuses("X-Api-Key: a, b\r\n", 2));
        assertEquals(List.of(200, 429), statuses("X-Api-Key: a\r\n", 2));
        assertEquals(List.of(200, 429), statuses("X-Api-Key: b\r\n", 2));
    }
}
