package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code allow-from}, nginx's {@code allow}/{@code deny all} in a location, and its {@code deny-from},
 * nginx's {@code deny} before them, over real sockets from several loopback addresses: a client outside the one
 * list or in the other gets 403 {@code ACCESS_DENIED} and reaches nothing.
 */
class AllowFromTest {

    private static final String GET = "GET %s HTTP/1.1\r\nHost: app\r\n\r\n";

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("inside"));
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + upstream.authority() + "\"] }",
            "{ name = internal, match { path-prefix = \"/internal\" }, upstream = app,"
                    + " allow-from = [\"127.0.0.2\", \"127.0.1.0/24\"],"
                    + " rate-limit { requests-per-second = 0.001, burst = 1, per = route } }\n"
                    + "{ name = status, match { path-prefix = \"/status\" }, respond { body = ok },"
                    + " allow-from = [\"127.0.0.2\"] }\n"
                    + "{ name = partners, match { path-prefix = \"/partners\" }, upstream = app,"
                    + " allow-from = [\"127.0.4.0/24\"], deny-from = [\"127.0.4.66\"] }\n"
                    + "{ name = public, match { path-prefix = \"/\" }, upstream = app, deny-from = [\"127.0.9.0/24\"] }"));

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private RawHttp.Response get(String path, String fromAddress) {
        return RawHttp.exchangeFrom(fromAddress, proxy.port(), GET.formatted(path));
    }

    @Test
    void aClientOutsideTheListIsRefused403AndReachesNothing() throws Exception {
        RawHttp.Response refused = get("/internal/metrics", "127.0.0.1");
        assertEquals(403, refused.status());
        Envelope envelope = Envelope.parse(refused.body());
        assertEquals("ACCESS_DENIED", envelope.reason());
        assertEquals("false", envelope.metadata().get("retryable"));
        assertEquals("internal", envelope.metadata().get("route"));
        assertTrue(upstream.requests().isEmpty());
        assertEquals("ACCESS_DENIED", proxy.observer.awaitExchange(1).reason());
    }

    @Test
    void anAddressOrANetworkInTheListIsServed() throws Exception {
        assertEquals("inside", get("/internal", "127.0.1.77").text(), "in 127.0.1.0/24");
        assertEquals(403, get("/internal", "127.0.2.1").status(), "next to it, not in it");
        assertEquals(403, get("/status", "127.0.1.77").status(), "each route has its own list");
        assertEquals("ok", get("/status", "127.0.0.2").text());
    }

    @Test
    void otherRoutesServeEveryClient() throws Exception {
        assertEquals(200, get("/anything", "127.0.0.1").status());
        assertEquals(200, get("/anything", "127.0.3.3").status());
    }

    @Test
    void refusedClientsDoNotUseUpTheRoutesSharedRateLimit() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(403, get("/internal", "127.0.0.1").status());
        }
        assertEquals(200, get("/internal", "127.0.0.2").status(), "the route's one token was still there");
        assertEquals(429, get("/internal", "127.0.0.2").status());
    }

    @Test
    void aClientInDenyFromIsRefusedWhateverAllowFromSays() throws Exception {
        assertEquals(200, get("/anything", "127.0.8.1").status());
        RawHttp.Response refused = get("/anything", "127.0.9.5");
        assertEquals(403, refused.status(), "in the public route's deny-from");
        assertEquals("ACCESS_DENIED", Envelope.parse(refused.body()).reason());
        assertEquals(200, get("/partners", "127.0.4.65").status());
        assertEquals(403, get("/partners", "127.0.4.66").status(), "in allow-from's network, and denied by address");
        assertEquals(403, get("/partners", "127.0.5.1").status(), "not in allow-from");
        assertEquals(2, upstream.requests().size());
    }
}
