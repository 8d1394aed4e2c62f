package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code server.trusted-proxies}, over real sockets: behind a load balancer at 127.0.0.1, the client it names in
 * {@code X-Forwarded-For} is the one a route's {@code allow-from} and {@code rate-limit} judge, the access log
 * records and {@code X-Real-IP} names; a peer that is not trusted is its own client whatever it writes.
 */
class TrustedProxiesTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("hello"));
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + upstream.authority() + "\"] }",
            "{ name = office, match { path-prefix = \"/office\" }, upstream = app,"
                    + " allow-from = [\"203.0.113.0/24\"] }\n"
                    + "{ name = limited, match { path-prefix = \"/limited\" }, upstream = app,"
                    + " rate-limit { requests-per-second = 0.001, burst = 1 } }\n"
                    + "{ name = app, match { path-prefix = \"/\" }, upstream = app }")
            .replace("port = 0 }\n  admin", "port = 0, trusted-proxies = [\"127.0.0.1\"] }\n  admin"));

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private RawHttp.Response get(String path, String fromAddress, String forwardedFor) {
        return RawHttp.exchangeFrom(fromAddress, proxy.port(), "GET " + path + " HTTP/1.1\r\nHost: app\r\n"
                + "X-Forwarded-For: " + forwardedFor + "\r\n\r\n");
    }

    @Test
    void theClientATrustedProxyNamesIsTheOneAllowFromJudges() throws Exception {
        assertEquals(200, get("/office", "127.0.0.1", "203.0.113.9").status());
        assertEquals(403, get("/office", "127.0.0.1", "198.51.100.1").status());
        assertEquals(403, get("/office", "127.0.0.2", "203.0.113.9").status(), "an untrusted peer's header is its own claim");
    }

    @Test
    void eachClientBehindTheProxyHasItsOwnRateLimitBucket() throws Exception {
        assertEquals(200, get("/limited", "127.0.0.1", "203.0.113.9").status());
        assertEquals(429, get("/limited", "127.0.0.1", "203.0.113.9").status());
        assertEquals(200, get("/limited", "127.0.0.1", "203.0.113.10").status(), "not the load balancer's bucket");
    }

    @Test
    void theUpstreamGetsTheClientAsXRealIpAndTheChainExtendedByThePeer() throws Exception {
        assertEquals(200, get("/x", "127.0.0.1", "203.0.113.9").status());
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("203.0.113.9", seen.header("X-Real-IP"));
        assertEquals("203.0.113.9, 127.0.0.1", seen.header("X-Forwarded-For"));
        assertEquals("203.0.113.9", proxy.observer.awaitExchange(1).client(), "the access log's client");
    }

    @Test
    void anUntrustedPeerIsItsOwnClient() throws Exception {
        assertEquals(200, get("/x", "127.0.0.2", "203.0.113.9").status());
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("127.0.0.2", seen.header("X-Real-IP"));
        assertEquals("203.0.113.9, 127.0.0.2", seen.header("X-Forwarded-For"));
        assertEquals("127.0.0.2", proxy.observer.awaitExchange(1).client());
    }
}
