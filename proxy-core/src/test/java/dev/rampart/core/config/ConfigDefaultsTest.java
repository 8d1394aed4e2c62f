package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every default of PRODUCT.md §2, written out here by hand so that a changed default fails a test. */
class ConfigDefaultsTest {

    @TempDir
    Path dir;

    @Test
    void minimalConfigGetsEveryDocumentedDefault() {
        RampartConfig config = HoconFiles.load(dir, HoconFiles.MINIMAL);

        ServerConfig server = new ServerConfig("0.0.0.0", 8080, Optional.empty(), 10_000, Duration.ofSeconds(60),
                Duration.ofSeconds(10), Duration.ofSeconds(30), 8 * 1024, 16 * 1024, 10L * 1024 * 1024,
                Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(30), ServerConfig.AUTO_REPLAY_MEMORY,
                List.of(), 1000, false, List.of(), 100, 256, Set.of("TRACE", "TRACK"), false);
        CircuitBreakerConfig breaker = new CircuitBreakerConfig(true, Duration.ofSeconds(10), 20, 50, 5,
                Duration.ZERO, 100, Duration.ofSeconds(5), Duration.ofSeconds(60), 3);
        UpstreamConfig app = new UpstreamConfig("app", List.of(new EndpointAddress(false, "127.0.0.1", 8081)),
                LoadBalancing.ROUND_ROBIN, Duration.ofSeconds(1), 512, Duration.ofSeconds(30), Duration.ofHours(1), 1000, 1024,
                breaker,
                Optional.empty(), UpstreamTlsConfig.DEFAULT, Map.of(), Optional.empty(), Duration.ZERO, Set.of());
        RetryConfig retry = new RetryConfig(3, Duration.ofSeconds(5),
                EnumSet.of(RetryOn.CONNECT_FAILURE, RetryOn.RESET, RetryOn.TIMEOUT, RetryOn.GATEWAY_ERROR),
                Set.of(), Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"), "Idempotency-Key",
                new BackoffConfig(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, BackoffConfig.Jitter.FULL),
                new RetryAfterConfig(true, Duration.ofSeconds(5)), new BudgetConfig(0.2, 10), 1024 * 1024, true);
        RouteConfig route = new RouteConfig("route-0",
                new MatchConfig(Optional.empty(), Optional.of("/"), Optional.empty(), Set.of(), Map.of()),
                Optional.of("app"), Optional.empty(), false, Duration.ofSeconds(15), Duration.ZERO, retry,
                new ErrorsConfig(Set.of(ErrorsConfig.StatusClass.SERVER_ERROR), true), Optional.empty(),
                OptionalLong.empty(), HeaderRules.NONE, HeaderRules.NONE, Optional.empty(), List.of(), List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        upstreams.put("app", app);
        RampartConfig expected = new RampartConfig(server, new AdminConfig("127.0.0.1", 9901),
                new RequestIdConfig("X-Request-Id", true), new AccessLogConfig(true), upstreams, Map.of(), List.of(route));

        assertEquals(expected, config);
    }

    @Test
    void routeNameDefaultsToItsIndex() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { name = "first", upstream = app }, { upstream = app } ]
                }
                """);
        assertEquals(List.of("first", "route-1"), config.routes().stream().map(RouteConfig::name).toList());
    }

    @Test
    void healthCheckAndRespondBlocksGetTheirDefaults() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], health-check {} } }
                  routes = [ { respond {} } ]
                }
                """);
        assertEquals(Optional.of(new HealthCheckConfig("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3)),
                config.upstreams().get("app").healthCheck());
        assertEquals(Optional.of(new RespondConfig(200, "", "text/plain")), config.routes().get(0).respond());
        assertEquals(Optional.empty(), config.routes().get(0).upstream());
    }

    @Test
    void rewriteUpstreamJsonIsTrueUnlessSetToFalse() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, errors { rewrite-upstream = [4xx, 5xx] } },
                    { upstream = app, errors { rewrite-upstream-json = false } },
                    { upstream = app, errors { rewrite-upstream = [] } }
                  ]
                }
                """);
        ErrorsConfig both = config.routes().get(0).errors();
        assertEquals(EnumSet.allOf(ErrorsConfig.StatusClass.class), both.rewriteUpstream());
        assertTrue(both.rewriteUpstreamJson());
        assertFalse(config.routes().get(1).errors().rewriteUpstreamJson());
        assertEquals(Set.of(), config.routes().get(2).errors().rewriteUpstream());
    }

    @Test
    void methodsAreUpperCasedAndHeaderNamesLowerCased() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ {
                    upstream = app
                    match { host = "API.Example.com", methods = [get, Post], headers { "X-Canary" = 1 } }
                    retry { idempotent-methods = [get, put] }
                  } ]
                }
                """);
        MatchConfig match = config.routes().get(0).match();
        assertEquals(Set.of("GET", "POST"), match.methods());
        assertEquals(Map.of("x-canary", "1"), match.headers());
        assertEquals(Optional.of("api.example.com"), match.host());
        assertEquals(Set.of("GET", "PUT"), config.routes().get(0).retry().idempotentMethods());
    }

    @Test
    void pathRegexReplacesTheDefaultPrefix() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, match { path-regex = "^/v[0-9]+/orders" } } ]
                }
                """);
        MatchConfig match = config.routes().get(0).match();
        assertEquals(Optional.empty(), match.pathPrefix());
        assertEquals("^/v[0-9]+/orders", match.pathRegex().orElseThrow().pattern());
        assertTrue(match.pathRegex().orElseThrow().matcher("/v2/orders").find());
    }

    @Test
    void sizesAndDurationsTakeHoconUnits() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  server { max-header-size = 32k, max-request-body = 2m, max-initial-line = 4096,
                           idle-timeout = 90s, shutdown-grace = 0s, request-body-timeout = 1500ms }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, retry { replay-buffer = 0, backoff { initial = 0ms } } } ]
                }
                """);
        ServerConfig server = config.server();
        assertEquals(32 * 1024, server.maxHeaderSize());
        assertEquals(2L * 1024 * 1024, server.maxRequestBody());
        assertEquals(4096, server.maxInitialLine());
        assertEquals(Duration.ofSeconds(90), server.idleTimeout());
        assertEquals(Duration.ZERO, server.shutdownGrace());
        assertEquals(Duration.ofMillis(1500), server.requestBodyTimeout());
        assertEquals(0, config.routes().get(0).retry().replayBuffer());
        assertEquals(Duration.ZERO, config.routes().get(0).retry().backoff().initial());
    }

    @Test
    void endpointsKeepSchemeAndOrder() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["https://b.internal", "http://a.internal:8080", "[::1]:9000"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(List.of(new EndpointAddress(true, "b.internal", 443), new EndpointAddress(false, "a.internal", 8080),
                new EndpointAddress(false, "::1", 9000)), config.upstreams().get("app").endpoints());
    }

    @Test
    void serverAndAdminMayBothAskForAnEphemeralPort() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  server.port = 0
                  admin.port = 0
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(0, config.server().port());
        assertEquals(0, config.admin().port());
    }

    @Test
    void upstreamsKeepFileOrder() {
        // Enough names that hash order differs from file order (Typesafe Config keeps hash order).
        List<String> names = List.of("zeta", "alpha", "mid", "web", "api", "orders", "kappa", "b", "a", "xx",
                "q1", "users", "auth", "cdn");
        StringBuilder upstreams = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            upstreams.append(names.get(i)).append(" { endpoints = [\"127.0.0.1:").append(i + 1).append("\"] }\n");
        }
        RampartConfig config = HoconFiles.load(dir, "rampart {\n upstreams {\n" + upstreams
                + "}\n routes = [ { upstream = alpha } ]\n}\n");
        assertEquals(names, List.copyOf(config.upstreams().keySet()));
    }
}
