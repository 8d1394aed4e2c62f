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

/**
 * A limit of {@code rate-limits} named by several routes, over real sockets: a client's requests to any of them draw
 * on one bucket (nginx's {@code limit_req_zone} applied in several locations), and a reload keeps that bucket while
 * the limit is unchanged, whichever routes name it. One request in 1,000 seconds, so no token comes back while a test
 * runs and the counts are exact.
 */
class SharedRateLimitTest {

    private static final String GET = "GET %s HTTP/1.1\r\nHost: app\r\n\r\n";
    private static final String API = "rampart.rate-limits { api { requests-per-second = 0.001, burst = 2 } }\n";

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("hello"));
    private final String config = configWith(
            route("users", "rate-limit = api") + route("orders", "rate-limit = api")
                    + route("own", "rate-limit { requests-per-second = 0.001, burst = 2 }") + route("open", ""),
            API);
    private final ProxyHarness proxy = ProxyHarness.start(config);

    private static String route(String name, String limit) {
        return "{ name = " + name + ", match { path-prefix = \"/" + name + "\" }, upstream = app, " + limit + " }\n";
    }

    private String configWith(String routes, String limits) {
        return ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", routes) + limits;
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
    void aClientsRequestsToEveryRouteNamingTheLimitDrawOnOneBucket() throws Exception {
        assertEquals(200, get("/users/1", "127.0.0.1").status());
        assertEquals(200, get("/orders/1", "127.0.0.1").status());
        RawHttp.Response refused = get("/users/2", "127.0.0.1");
        assertEquals(429, refused.status(), "two routes, one burst of 2 for the client between them");
        assertEquals("1000", refused.header("Retry-After"));
        assertEquals("users", Envelope.parse(refused.body()).metadata().get("route"));
        RawHttp.Response refusedToo = get("/orders/2", "127.0.0.1");
        assertEquals(429, refusedToo.status());
        assertEquals("orders", Envelope.parse(refusedToo.body()).metadata().get("route"),
                "the refusal is the route's that took the request");
        ExchangeRecord logged = proxy.observer.awaitExchange(r -> r.status() == 429 && r.route().equals("orders"),
                "the refused exchange on orders");
        assertEquals("RATE_LIMITED", logged.reason());
        assertEquals(2, upstream.requests().size());

        assertEquals(200, get("/orders/3", "127.0.0.2").status(), "another client has its own bucket");
        assertEquals(200, get("/own/1", "127.0.0.1").status(), "a route's own limit is not the shared one");
        assertEquals(200, get("/own/2", "127.0.0.1").status());
        assertEquals(429, get("/own/3", "127.0.0.1").status());
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get("/open", "127.0.0.1").status());
        }
    }

    @Test
    void aReloadKeepsTheBucketOfAnUnchangedLimitWhicheverRoutesNameItAndAChangedOneStartsFull() throws Exception {
        get("/users", "127.0.0.1");
        get("/orders", "127.0.0.1");
        assertEquals(429, get("/users", "127.0.0.1").status());

        String otherRoutes = route("carts", "rate-limit = api") + route("users", "rate-limit = api")
                + route("orders", "");
        proxy.runtime().apply(ConfigLoader.parse(configWith(otherRoutes, API), "other routes name it"));
        assertEquals(429, get("/users", "127.0.0.1").status(), "a reload hands out no new burst");
        assertEquals(429, get("/carts", "127.0.0.1").status(), "a route that names it now takes the same bucket");
        assertEquals(200, get("/orders", "127.0.0.1").status(), "a route that no longer names it is not limited");
        proxy.runtime().apply(ConfigLoader.parse(configWith(otherRoutes, API), "the same again"));
        assertEquals(429, get("/carts", "127.0.0.1").status(), "nor does a reload after that");

        proxy.runtime().apply(ConfigLoader.parse(configWith(otherRoutes, API.replace("burst = 2", "burst = 3")),
                "changed"));
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get(i % 2 == 0 ? "/users" : "/carts", "127.0.0.1").status(),
                    "a changed limit's bucket starts full");
        }
        assertEquals(429, get("/carts", "127.0.0.1").status());
    }

    @Test
    void aSharedRouteBucketIsOneForEveryClientOfEveryRouteNamingIt() throws Exception {
        proxy.runtime().apply(ConfigLoader.parse(config.replace(API, API.replace("burst = 2", "burst = 2, per = route")),
                "one bucket for all"));
        assertEquals(200, get("/users", "127.0.0.1").status());
        assertEquals(200, get("/orders", "127.0.0.2").status());
        assertEquals(429, get("/users", "127.0.0.3").status());
        assertEquals(429, get("/orders", "127.0.0.4").status());
    }
}
