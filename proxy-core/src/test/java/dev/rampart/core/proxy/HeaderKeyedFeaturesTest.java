package dev.rampart.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.TestTokens;
import dev.rampart.core.testing.UpstreamBehavior;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Route features keyed by a header (a per-header {@code rate-limit}, a {@code consistent-hash} ring, a canary's
 * {@code sticky} key) read the header as the upstream gets it: the token's claim in a claim header, what the
 * route's {@code request-headers} leave, nothing for a name the client lists in {@code Connection}. Read as the
 * client sent it, a client would pick its own bucket, endpoint or side while the upstream saw the proxy's value.
 */
class HeaderKeyedFeaturesTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private String jwt() {
        return "jwt { jwks-file = \"" + TestTokens.writePublicKeySet(dir) + "\", issuer = \"" + TestTokens.ISSUER
                + "\", audiences = [\"" + TestTokens.AUDIENCE + "\"], claim-headers { sub = X-User-Id } }";
    }

    private static String token(String subject) {
        return TestTokens.rs256(TestTokens.claims(Instant.now()).subject(subject).build());
    }

    private ProxyHarness proxy(String upstreams, String routes) {
        ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(upstreams, routes));
        open.add(proxy);
        return proxy;
    }

    private FakeUpstream upstream(String name) {
        FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok(name));
        open.add(upstream);
        return upstream;
    }

    private static RawHttp.Response get(ProxyHarness proxy, String path, String headers) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n").read();
        }
    }

    @Test
    void aPerHeaderRateLimitOnAClaimHeaderChargesTheTokensSubjectWhateverTheClientSendsInIt() {
        FakeUpstream app = upstream("app");
        ProxyHarness proxy = proxy("app { endpoints = [\"" + app.authority() + "\"] }",
                "{ name = api, upstream = app, " + jwt() + ", rate-limit { requests-per-second = 0.001, burst = 2,"
                        + " per = header, header = X-User-Id } }");
        String alice = "Authorization: Bearer " + token("alice") + "\r\n";
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            statuses.add(get(proxy, "/a", alice + "X-User-Id: someone-else-" + i + "\r\n").status());
        }
        assertEquals(List.of(200, 200, 429, 429), statuses, "alice's bucket, not a new one per made-up value");
        assertEquals(200, get(proxy, "/a", "Authorization: Bearer " + token("bob") + "\r\n").status(),
                "bob has a bucket of his own, though he comes from alice's address");
    }

    @Test
    void aPerHeaderRateLimitOnAHeaderTheRouteSetsOrTheClientDropsIsNotTheClientsToChoose() {
        FakeUpstream app = upstream("app");
        ProxyHarness proxy = proxy("app { endpoints = [\"" + app.authority() + "\"] }",
                "{ name = tenant, match { path-prefix = \"/t\" }, upstream = app, request-headers { set { X-Tenant = t1 } },"
                        + " rate-limit { requests-per-second = 0.001, burst = 2, per = header, header = X-Tenant } }\n"
                        + "{ name = keyed, match { path-prefix = \"/k\" }, upstream = app,"
                        + " rate-limit { requests-per-second = 0.001, burst = 2, per = header, header = X-Api-Key } }");
        List<Integer> set = new ArrayList<>();
        List<Integer> hopByHop = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            set.add(get(proxy, "/t", "X-Tenant: t" + (i + 2) + "\r\n").status());
            // the upstream gets no X-Api-Key: the request is keyed by its address, as one without the header is
            hopByHop.add(get(proxy, "/k", "Connection: X-Api-Key\r\nX-Api-Key: made-up-" + i + "\r\n").status());
        }
        assertEquals(List.of(200, 200, 429), set, "every request is t1's, as the upstream sees it");
        assertEquals(List.of(200, 200, 429), hopByHop);
    }

    @Test
    void aConsistentHashRingAndACanaryStickyKeyOnAClaimHeaderFollowTheTokensSubject() {
        FakeUpstream a = upstream("a");
        FakeUpstream b = upstream("b");
        FakeUpstream canary = upstream("canary");
        ProxyHarness proxy = proxy("ring { endpoints = [\"" + a.authority() + "\", \"" + b.authority() + "\"],"
                        + " load-balancing = consistent-hash, consistent-hash { key = header, name = X-User-Id } }\n"
                        + "main { endpoints = [\"" + a.authority() + "\"] }\n"
                        + "next { endpoints = [\"" + canary.authority() + "\"] }",
                "{ name = hashed, match { path-prefix = \"/h\" }, upstream = ring, " + jwt() + " }\n"
                        + "{ name = split, match { path-prefix = \"/c\" }, upstream = main, " + jwt() + ", canary {"
                        + " upstream = next, percent = 50, sticky { key = header, name = X-User-Id } } }");
        String alice = "Authorization: Bearer " + token("alice") + "\r\n";
        Set<String> endpoints = new HashSet<>();
        Set<String> sides = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            endpoints.add(get(proxy, "/h", alice + "X-User-Id: spread-" + i + "\r\n").text());
            sides.add(get(proxy, "/c", alice + "X-User-Id: spread-" + i + "\r\n").text());
        }
        assertEquals(1, endpoints.size(), "one endpoint for alice: " + endpoints);
        assertEquals(1, sides.size(), "one side for alice: " + sides);
    }
}
