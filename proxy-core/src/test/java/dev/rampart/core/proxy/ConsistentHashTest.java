package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code load-balancing = consistent-hash} through the proxy to three real upstreams, each answering its own
 * name: a key keeps going to one endpoint, keys spread over all, a failing endpoint's keys move to the next
 * one on the ring while the others stay, and a request without a key, or with an empty one, takes its turn.
 */
class ConsistentHashTest {

    private static final int USERS = 60;

    private final List<FakeUpstream> upstreams = List.of(FakeUpstream.start(UpstreamBehavior.ok("a")),
            FakeUpstream.start(UpstreamBehavior.ok("b")), FakeUpstream.start(UpstreamBehavior.ok("c")));
    private final ProxyHarness proxy = ProxyHarness.start(configWith("{ key = header, name = X-User-Id }"));

    private String configWith(String hash) {
        return ProxyHarness.config("app { endpoints = [\"" + upstreams.get(0).authority() + "\", \""
                        + upstreams.get(1).authority() + "\", \"" + upstreams.get(2).authority() + "\"],"
                        + " load-balancing = consistent-hash, consistent-hash " + hash + " }",
                "{ name = app, match { path-prefix = \"/\" }, upstream = app }");
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstreams.forEach(FakeUpstream::close);
    }

    /** The name of the upstream that answered a request with these extra header lines, from 127.0.0.1. */
    private String servedBy(String path, String headers) {
        RawHttp.Response response = RawHttp.exchangeFrom("127.0.0.1", proxy.port(),
                "GET " + path + " HTTP/1.1\r\nHost: app\r\n" + headers + "\r\n");
        assertEquals(200, response.status(), response.text());
        return response.text();
    }

    private Map<String, String> placeUsers() {
        Map<String, String> placed = new HashMap<>();
        for (int u = 0; u < USERS; u++) {
            placed.put("user-" + u, servedBy("/", "X-User-Id: user-" + u + "\r\n"));
        }
        return placed;
    }

    @Test
    void aKeyKeepsGoingToOneEndpointAndKeysSpreadOverAll() {
        Map<String, String> placed = placeUsers();
        assertEquals(placed, placeUsers(), "every user went where it went the first time");
        assertEquals(Set.of("a", "b", "c"), new HashSet<>(placed.values()), "60 keys reach all three endpoints");
        assertEquals(placed.get("user-7"), servedBy("/elsewhere?x=1", "X-User-Id: user-7\r\n"),
                "whatever the path");
    }

    @Test
    void aFailingEndpointsKeysMoveAlongTheRingAndTheOthersStay() {
        Map<String, String> before = placeUsers();
        String failing = before.get("user-0");
        FakeUpstream down = upstreams.get(failing.charAt(0) - 'a');
        down.behave(UpstreamBehavior.failTimes(Integer.MAX_VALUE, 503, UpstreamBehavior.ok(failing)));

        Map<String, String> during = placeUsers(); // each 503 retried on the next endpoint of the user's ring
        for (Map.Entry<String, String> user : before.entrySet()) {
            if (user.getValue().equals(failing)) {
                assertNotEquals(failing, during.get(user.getKey()), user.getKey());
            } else {
                assertEquals(user.getValue(), during.get(user.getKey()), user.getKey() + " stays where it was");
            }
        }
        Map<String, String> again = placeUsers();
        assertEquals(during, again, "a moved key keeps going to the same next endpoint");
    }

    @Test
    void aCookieKeysTheEndpointAndARequestWithoutItTakesItsTurn() {
        proxy.runtime().apply(ConfigLoader.parse(configWith("{ key = cookie, name = session }"), "cookie"));
        Set<String> sessions = new HashSet<>();
        for (int s = 0; s < 30; s++) {
            String first = servedBy("/", "Cookie: theme=dark; session=s" + s + "\r\n");
            assertEquals(first, servedBy("/", "Cookie: session=s" + s + "; theme=light\r\n"), "session s" + s);
            sessions.add(first);
        }
        assertTrue(sessions.size() > 1, "sessions spread: " + sessions);

        Map<String, Integer> keyless = new HashMap<>();
        for (int i = 0; i < 9; i++) {
            keyless.merge(servedBy("/", i % 2 == 0 ? "" : "Cookie: other=1\r\n"), 1, Integer::sum);
        }
        assertEquals(Map.of("a", 3, "b", 3, "c", 3), keyless, "without the cookie, round-robin");
    }

    @Test
    void aRequestWithoutTheHeaderOrWithItEmptyTakesItsTurn() {
        // An absent or empty key is no key: those requests are spread, not all placed where "" hashes to.
        Map<String, Integer> keyless = new HashMap<>();
        for (int i = 0; i < 9; i++) {
            keyless.merge(servedBy("/", i % 3 == 0 ? "" : i % 3 == 1 ? "X-User-Id:\r\n" : "X-User-Id: , \r\n"),
                    1, Integer::sum);
        }
        assertEquals(Map.of("a", 3, "b", 3, "c", 3), keyless, "without a key, round-robin");

        proxy.runtime().apply(ConfigLoader.parse(configWith("{ key = cookie, name = session }"), "cookie"));
        Map<String, Integer> emptyCookie = new HashMap<>();
        for (int i = 0; i < 9; i++) {
            emptyCookie.merge(servedBy("/", "Cookie: session=; theme=dark\r\n"), 1, Integer::sum);
        }
        assertEquals(Map.of("a", 3, "b", 3, "c", 3), emptyCookie, "an empty session cookie is no session");
    }

    @Test
    void byDefaultEachClientAddressKeepsItsEndpoint() {
        proxy.runtime().apply(ConfigLoader.parse(configWith("{}"), "address"));
        Set<String> seen = new HashSet<>();
        for (int host = 1; host <= 20; host++) {
            String address = "127.0.0." + host;
            String first = RawHttp.exchangeFrom(address, proxy.port(), "GET / HTTP/1.1\r\nHost: app\r\n\r\n").text();
            for (int i = 0; i < 3; i++) {
                assertEquals(first, RawHttp.exchangeFrom(address, proxy.port(),
                        "GET /p" + i + " HTTP/1.1\r\nHost: app\r\n\r\n").text(), address);
            }
            seen.add(first);
        }
        assertTrue(seen.size() > 1, "20 addresses spread: " + seen);
    }

    @Test
    void withABalanceFactorAKeysSecondRequestInFlightSpillsToTheNextEndpoint() throws Exception {
        upstreams.forEach(u -> u.behave(UpstreamBehavior.hang()));
        try (ProxyHarness bounded = ProxyHarness.start(configWith("{ key = header, name = X-User-Id, balance-factor = 100 }"));
             RawHttp first = new RawHttp("127.0.0.1", bounded.port());
             RawHttp second = new RawHttp("127.0.0.1", bounded.port())) {
            String get = "GET / HTTP/1.1\r\nHost: app\r\nX-User-Id: hot\r\n\r\n";
            first.send(get);
            awaitRequests(1);
            second.send(get); // the key's endpoint has its bound (half of two in flight): the next one takes it
            awaitRequests(2);
            assertEquals(List.of(1, 1), upstreams.stream().map(u -> u.requests().size()).filter(n -> n > 0).toList(),
                    "one request on each of two endpoints, not two on the key's");
        }
    }

    private void awaitRequests(int total) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (upstreams.stream().mapToInt(u -> u.requests().size()).sum() < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(total, upstreams.stream().mapToInt(u -> u.requests().size()).sum());
    }
}
