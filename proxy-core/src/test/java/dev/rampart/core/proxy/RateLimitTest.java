package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code rate-limit} through the proxy, over real sockets: what is over it is answered 429
 * {@code RATE_LIMITED} with {@code Retry-After} and never reaches the upstream. The rate is one request in
 * 1,000 seconds, so that no token comes back while a test runs and the counts are exact.
 */
class RateLimitTest {

    private static final String GET = "GET %s HTTP/1.1\r\nHost: app\r\n\r\n";

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("hello"));
    private final String config = configWith("per = client-ip");
    private final ProxyHarness proxy = ProxyHarness.start(config);

    private String configWith(String per) {
        return ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = limited, match { path-prefix = \"/limited\" }, upstream = app, max-request-body = 1k,"
                        + " rate-limit { requests-per-second = 0.001, burst = 2, " + per + " } }\n"
                        + "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = pong },"
                        + " rate-limit { requests-per-second = 0.001, burst = 1 } }\n"
                        + "{ name = open, match { path-prefix = \"/\" }, upstream = app }");
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private RawHttp.Response get(String path, String fromAddress) {
        return RawHttp.exchangeFrom(fromAddress, proxy.port(), GET.formatted(path));
    }

    @Test
    void aRequestOverTheLimitIsAnswered429WithRetryAfterAndNeverSentUpstream() throws Exception {
        assertEquals(200, get("/limited/a", "127.0.0.1").status());
        assertEquals(200, get("/limited/b", "127.0.0.1").status());
        RawHttp.Response refused = get("/limited/c", "127.0.0.1");

        assertEquals(429, refused.status());
        Envelope envelope = Envelope.parse(refused.body());
        assertEquals("RATE_LIMITED", envelope.reason());
        assertEquals("true", envelope.metadata().get("retryable"));
        assertEquals("limited", envelope.metadata().get("route"));
        assertEquals("1000", refused.header("Retry-After"), "the next token is 1,000 s away");
        assertEquals("1000", envelope.metadata().get("retry_after"));
        assertTrue(refused.header("Proxy-Status").contains("error=http_request_denied"), refused.header("Proxy-Status"));
        assertEquals(2, upstream.requests().size());

        ExchangeRecord logged = proxy.observer.awaitExchange(r -> r.status() == 429, "the refused exchange");
        assertEquals("RATE_LIMITED", logged.reason());
        assertEquals("limited", logged.route());
    }

    @Test
    void anotherClientAddressHasItsOwnBucket() throws Exception {
        get("/limited", "127.0.0.1");
        get("/limited", "127.0.0.1");
        assertEquals(429, get("/limited", "127.0.0.1").status());
        assertEquals(200, get("/limited", "127.0.0.2").status());
    }

    @Test
    void aRouteBucketIsSharedByEveryClient() throws Exception {
        proxy.runtime().apply(ConfigLoader.parse(configWith("per = route"), "route-wide"));
        assertEquals(200, get("/limited", "127.0.0.1").status());
        assertEquals(200, get("/limited", "127.0.0.2").status());
        assertEquals(429, get("/limited", "127.0.0.3").status());
    }

    @Test
    void perHeaderEachKeyHasItsOwnBucketFromAnyAddressAndNoKeyMeansTheAddresss() throws Exception {
        proxy.runtime().apply(ConfigLoader.parse(configWith("per = header, header = X-Api-Key"), "per-key"));
        String keyed = "GET /limited HTTP/1.1\r\nHost: app\r\nX-Api-Key: %s\r\n\r\n";
        assertEquals(200, RawHttp.exchangeFrom("127.0.0.1", proxy.port(), keyed.formatted("alpha")).status());
        assertEquals(200, RawHttp.exchangeFrom("127.0.0.2", proxy.port(), keyed.formatted("alpha")).status());
        assertEquals(429, RawHttp.exchangeFrom("127.0.0.3", proxy.port(), keyed.formatted("alpha")).status(),
                "one key's bucket, whichever address it comes from");
        assertEquals(200, RawHttp.exchangeFrom("127.0.0.1", proxy.port(), keyed.formatted("beta")).status(),
                "another key from the same address has its own");
        for (String escape : new String[] {"alpha\r\nX-Api-Key: made-up-1", "made-up-2, alpha",
                "made-up-3\r\nX_Api_Key: alpha"}) {
            assertEquals(429, RawHttp.exchangeFrom("127.0.0.5", proxy.port(), keyed.formatted(escape)).status(),
                    "an upstream may read alpha from this, so it is charged to alpha too: " + escape);
        }

        assertEquals(200, get("/limited", "127.0.0.1").status());
        assertEquals(200, get("/limited", "127.0.0.1").status());
        assertEquals(429, get("/limited", "127.0.0.1").status(), "leaving the key out does not escape the limit");
        assertEquals(200, RawHttp.exchangeFrom("127.0.0.1", proxy.port(), keyed.formatted("127.0.0.4")).status());
        assertEquals(200, get("/limited", "127.0.0.4").status(),
                "a key written like an address takes nothing from that address's bucket");
    }

    @Test
    void routesWithoutALimitAndRespondRoutesWithTheirOwn() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get("/other", "127.0.0.1").status());
        }
        assertEquals("pong", get("/ping", "127.0.0.1").text());
        RawHttp.Response refused = get("/ping", "127.0.0.1");
        assertEquals(429, refused.status());
        assertEquals("ping", Envelope.parse(refused.body()).metadata().get("route"));
    }

    @Test
    void aRefusedRequestsBodyIsDroppedAndTheConnectionCarriesTheNext() throws Exception {
        get("/limited", "127.0.0.1");
        get("/limited", "127.0.0.1");
        try (RawHttp client = new RawHttp("127.0.0.1", proxy.port())) {
            client.send("POST /limited HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\n\r\nhello");
            assertEquals(429, client.read().status());
            client.send(GET.formatted("/other"));
            RawHttp.Response next = client.read();
            assertEquals(200, next.status());
            assertEquals("hello", next.text());
        }
        assertEquals(3, upstream.requests().size(), "two limited requests, then /other; the POST never left");
    }

    @Test
    void aRequestRefusedForAnotherReasonTakesNoToken() throws Exception {
        try (RawHttp client = new RawHttp("127.0.0.1", proxy.port())) {
            client.send("POST /limited HTTP/1.1\r\nHost: app\r\nContent-Length: 5000\r\n\r\n");
            assertEquals(413, client.read().status());
        }
        assertEquals(200, get("/limited", "127.0.0.1").status());
        assertEquals(200, get("/limited", "127.0.0.1").status(), "the 413 did not spend one of the two");
    }

    @Test
    void aReloadThatReordersRoutesWithoutNamesKeepsEachRoutesBucketsWithIt() throws Exception {
        String first = "{ match { path-prefix = \"/one\" }, upstream = app, rate-limit { requests-per-second = 0.001,"
                + " burst = 2 } }\n";
        String second = "{ match { path-prefix = \"/two\" }, upstream = app, rate-limit { requests-per-second = 0.001,"
                + " burst = 2 } }\n";
        String upstreams = "app { endpoints = [\"" + upstream.authority() + "\"] }";
        proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(upstreams, first + second), "in order"));
        assertEquals(200, get("/one", "127.0.0.1").status());
        assertEquals(200, get("/one", "127.0.0.1").status());
        assertEquals(429, get("/one", "127.0.0.1").status());

        // each is named by its place (route-0, route-1): the swap gives /two the name /one had
        proxy.runtime().apply(ConfigLoader.parse(ProxyHarness.config(upstreams, second + first), "swapped"));
        assertEquals(429, get("/one", "127.0.0.1").status(), "its drained bucket went with it: no new burst");
        assertEquals(200, get("/two", "127.0.0.1").status(), "and /two did not inherit it");
    }

    @Test
    void anUnnamedRouteThatMatchesAsOneAboveItDoesNotRefillThatOnesBucketsAtAReload() throws Exception {
        String reached = "{ match { path-prefix = \"/one\" }, upstream = app, rate-limit { requests-per-second = 0.001,"
                + " burst = 2 } }\n";
        String neverReached = "{ match { path-prefix = \"/one\" }, upstream = app, rate-limit { requests-per-second = 5,"
                + " burst = 50 } }\n";
        String routes = ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", reached + neverReached);
        proxy.runtime().apply(ConfigLoader.parse(routes, "two alike"));
        assertEquals(200, get("/one", "127.0.0.1").status());
        assertEquals(200, get("/one", "127.0.0.1").status());
        assertEquals(429, get("/one", "127.0.0.1").status());

        proxy.runtime().apply(ConfigLoader.parse(routes, "the same again"));
        assertEquals(429, get("/one", "127.0.0.1").status(), "the second route's limit took the first one's place"
                + " under their one key, and the reload gave the first a new burst");
    }

    @Test
    void aReloadKeepsTheBucketsOfAnUnchangedLimitAndANewLimitStartsFull() throws Exception {
        get("/limited", "127.0.0.1");
        get("/limited", "127.0.0.1");
        proxy.runtime().apply(ConfigLoader.parse(config, "the same again"));
        assertEquals(429, get("/limited", "127.0.0.1").status(), "a reload hands out no new burst");

        proxy.runtime().apply(ConfigLoader.parse(config.replace("burst = 2", "burst = 3"), "changed"));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get("/limited", "127.0.0.1").status(), "a changed limit's bucket starts full");
        }
        assertEquals(429, get("/limited", "127.0.0.1").status());
    }
}
