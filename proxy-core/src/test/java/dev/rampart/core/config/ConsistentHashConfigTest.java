package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code load-balancing = consistent-hash} and its {@code consistent-hash} block: what binds, what is refused. */
class ConsistentHashConfigTest extends RejectedConfigSupport {

    /** An upstream {@code app} with {@code keys} in it, on line 3. */
    private static String withUpstreamKeys(String keys) {
        return """
                rampart {
                  upstreams { app {
                    endpoints = ["10.0.0.1:8080", "10.0.0.2:8080"], %s
                  } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(keys);
    }

    private UpstreamConfig app(String keys) {
        return HoconFiles.load(dir, withUpstreamKeys(keys)).upstreams().get("app");
    }

    @Test
    void theKeyIsTheClientsAddressUnlessSaidOtherwise() {
        UpstreamConfig app = app("load-balancing = consistent-hash");
        assertEquals(LoadBalancing.CONSISTENT_HASH, app.loadBalancing());
        assertEquals(Optional.of(ConsistentHashConfig.DEFAULT), app.consistentHash());
        assertEquals(ConsistentHashConfig.Key.CLIENT_ADDRESS, ConsistentHashConfig.DEFAULT.key());
        assertEquals(Optional.empty(), app("load-balancing = round-robin").consistentHash());
    }

    @Test
    void aHeaderOrACookieIsNamedAndThePathIsNot() {
        assertEquals(new ConsistentHashConfig(ConsistentHashConfig.Key.HEADER, Optional.of("X-User-Id")),
                app("load-balancing = consistent-hash, consistent-hash { key = header, name = X-User-Id }")
                        .consistentHash().orElseThrow());
        assertEquals(new ConsistentHashConfig(ConsistentHashConfig.Key.COOKIE, Optional.of("session")),
                app("load-balancing = consistent-hash, consistent-hash { key = cookie, name = session }")
                        .consistentHash().orElseThrow());
        assertEquals(new ConsistentHashConfig(ConsistentHashConfig.Key.PATH, Optional.empty()),
                app("load-balancing = consistent-hash, consistent-hash { key = path }").consistentHash().orElseThrow());
    }

    /** The one problem a config with {@code keys} in its upstream is refused with, placed on their line. */
    private String onlyProblem(String keys) {
        List<String> problems = problemsOf(withUpstreamKeys(keys));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).endsWith(at(3)), problems.get(0));
        return problems.get(0).replace(at(3), "");
    }

    @Test
    void aBlockBesideAnotherPolicyAMissingOrMalformedNameAndAnUnknownKeyAreRefused() {
        assertEquals("rampart.upstreams.app.slow-start: is not read with load-balancing = consistent-hash: a key keeps"
                        + " its endpoint, there is no share to ramp up (leave it out, or use round-robin, least-request or"
                        + " random)",
                onlyProblem("load-balancing = consistent-hash, slow-start = 30s"));
        assertEquals(java.time.Duration.ofSeconds(30), app("load-balancing = least-request, slow-start = 30s").slowStart());
        assertEquals(150, app("load-balancing = consistent-hash, consistent-hash { key = path, balance-factor = 150 }")
                .consistentHash().orElseThrow().balanceFactor());
        assertEquals("rampart.upstreams.app.consistent-hash.balance-factor: expected at least 100 (the percent of its"
                        + " average load an endpoint may take before its keys go on along the ring, e.g. 150), or 0 or"
                        + " nothing for no bound; got 50",
                onlyProblem("load-balancing = consistent-hash, consistent-hash { balance-factor = 50 }"));
        assertEquals("rampart.upstreams.app.consistent-hash.balance-factor: expected a percent from 100 to 100000"
                        + " (e.g. 150), or 0 for no bound, got 100001",
                onlyProblem("load-balancing = consistent-hash, consistent-hash { balance-factor = 100001 }"));
        assertEquals("rampart.upstreams.app.consistent-hash: is read only with load-balancing = consistent-hash"
                        + " (load-balancing is least-request)",
                onlyProblem("load-balancing = least-request, consistent-hash { key = path }"));
        assertEquals("rampart.upstreams.app.consistent-hash: is read only with load-balancing = consistent-hash"
                        + " (load-balancing is round-robin)",
                onlyProblem("consistent-hash { key = path }"), "the default policy has no ring");
        assertEquals("rampart.upstreams.app.consistent-hash.name: missing: key = cookie needs the cookie whose"
                        + " value is the key, e.g. name = \"session\"",
                onlyProblem("load-balancing = consistent-hash, consistent-hash { key = cookie }"));
        assertEquals("rampart.upstreams.app.consistent-hash.name: expected a header name (a token such as"
                        + " X-User-Id), got \"X User\"",
                onlyProblem("load-balancing = consistent-hash, consistent-hash { key = header, name = \"X User\" }")
                        );
        assertEquals("rampart.upstreams.app.consistent-hash.name: is read only with key = header or"
                        + " key = cookie (key is path)",
                onlyProblem("load-balancing = consistent-hash, consistent-hash { key = path, name = session }")
                        );
        String unknown = onlyProblem("load-balancing = consistent-hash, consistent-hash { key = query }");
        assertTrue(unknown.startsWith("rampart.upstreams.app.consistent-hash.key: expected one of client-address,"
                + " header, cookie, path"), unknown);
        String policy = onlyProblem("load-balancing = ring-hash");
        assertTrue(policy.contains("consistent-hash"), "the new policy is among those offered: " + policy);
    }

    @Test
    void aHeaderTheProxySetsFromTheClientsClaimsKeysNoEndpoint() {
        String why = " is set by the proxy on the way to the upstream, from what the client claims: every made-up"
                + " value would be a key of its own; for a key per client, use key = client-address (behind load"
                + " balancers, with server.trusted-proxies)";
        assertEquals("rampart.upstreams.app.consistent-hash.name: X-Real-IP" + why,
                onlyProblem("load-balancing = consistent-hash, consistent-hash { key = header, name = X-Real-IP }"));
        assertEquals("rampart.upstreams.app.consistent-hash.name: x_forwarded_for" + why,
                onlyProblem("load-balancing = consistent-hash, consistent-hash { key = header, name = x_forwarded_for }"));
        assertEquals(new ConsistentHashConfig(ConsistentHashConfig.Key.COOKIE, Optional.of("X-Real-IP")),
                app("load-balancing = consistent-hash, consistent-hash { key = cookie, name = X-Real-IP }")
                        .consistentHash().orElseThrow(), "a cookie of that name is the client's to send");
    }

    @Test
    void theEffectiveConfigWritesTheBlockAndReadsBackTheSame() {
        RampartConfig config = HoconFiles.load(dir, withUpstreamKeys(
                "load-balancing = consistent-hash, consistent-hash { key = header, name = X-Tenant }"));
        String rendered = EffectiveConfigRenderer.render(config);
        assertTrue(rendered.contains("load-balancing = consistent-hash") && rendered.contains("key = header")
                && rendered.contains("name = \"X-Tenant\""), rendered);
        assertEquals(config.upstreams(), HoconFiles.load(dir, rendered).upstreams());
    }
}
