package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The migration pages (docs/migrating-from-nginx.md, docs/migrating-from-haproxy.md,
 * docs/migrating-from-spring-cloud-gateway.md, docs/migrating-from-envoy.md): every HOCON block in each is
 * a config that loads without warnings, its full translation is the shipped example word for word, and that
 * example keeps the meaning the page's table claims for each directive.
 */
class MigrationDocTest {

    /** A migration page and the example config it shows first. */
    enum Page {
        NGINX("migrating-from-nginx.md", "from-nginx.conf"),
        HAPROXY("migrating-from-haproxy.md", "from-haproxy.conf"),
        SPRING_CLOUD_GATEWAY("migrating-from-spring-cloud-gateway.md", "from-spring-cloud-gateway.conf"),
        ENVOY("migrating-from-envoy.md", "from-envoy.conf");

        final Path doc;
        final Path example;

        Page(String doc, String example) {
            this.doc = Path.of("../docs", doc);
            this.example = Path.of("../conf/examples", example);
        }
    }

    private static final Pattern HOCON_BLOCK = Pattern.compile("```hocon\\n(.*?)```", Pattern.DOTALL);

    @ParameterizedTest
    @EnumSource(Page.class)
    void everyHoconBlockOfThePageLoadsWithoutWarnings(Page page) throws IOException {
        List<String> blocks = hoconBlocks(page);
        assertTrue(blocks.size() >= 2, "the full translation and the closer-to config");
        for (int i = 0; i < blocks.size(); i++) {
            RampartConfig config = ConfigLoader.parse(blocks.get(i), page.doc.getFileName() + " block " + i, Map.of());
            assertEquals(List.of(), ConfigWarnings.of(config), "block " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(Page.class)
    void thePageShowsTheShippedExampleAsItIs(Page page) throws IOException {
        assertEquals(Files.readString(page.example), hoconBlocks(page).get(0));
    }

    @Test
    void theNginxExampleKeepsWhatTheNginxDirectivesMeant() {
        RampartConfig config = ConfigLoader.load(Page.NGINX.example, Map.of());
        assertEquals(1024 * 1024, config.server().maxRequestBody(), "client_max_body_size 1m");

        UpstreamConfig app = config.upstreams().get("app");
        assertEquals(Duration.ofSeconds(2), app.connectTimeout(), "proxy_connect_timeout 2s");
        assertEquals(UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT, app.maxConnectionsPerEndpoint(),
                "keepalive 32 is nginx's idle cache, not a cap on connections");
        CircuitBreakerConfig breaker = app.circuitBreaker();
        assertEquals(3, breaker.consecutiveFailures(), "max_fails=3");
        assertEquals(Duration.ofSeconds(10), breaker.openDuration(), "fail_timeout=10s");
        assertEquals(Duration.ofSeconds(10), breaker.maxOpenDuration(), "nginx does not lengthen the pause");

        RouteConfig route = route(config, "app");
        assertTrue(route.preserveHost(), "proxy_set_header Host $host");
        assertEquals(3, route.retry().attempts(), "proxy_next_upstream_tries 3");
        assertEquals(Duration.ofSeconds(10), route.retry().perTryTimeout(), "proxy_read_timeout 10s");
        assertEquals(Set.of(502, 503), route.retry().statusCodes(), "http_502 http_503, not 504");
        assertTrue(route.timeout().compareTo(Duration.ofSeconds(3 * (2 + 10))) >= 0,
                "three tries of connect and read timeouts fit the route's deadline");
        RateLimitConfig limit = route.rateLimit().orElseThrow();
        assertEquals(10.0, limit.requestsPerSecond(), "rate=10r/s");
        assertEquals(21, limit.burst(), "burst=20 nodelay lets 21 through at once");
        assertEquals(Optional.of("perip"), limit.name(), "zone=perip, which any location may apply");
        assertTrue(route(config, "websocket").rateLimit().isEmpty(), "location /ws/ has no limit_req");

        for (RouteConfig proxied : config.routes()) {
            if (proxied.upstream().isPresent() && !proxied.name().equals("websocket")) {
                CompressionConfig gzip = proxied.compression().orElseThrow(() -> new AssertionError(proxied.name()));
                assertEquals(List.of("application/json"), gzip.types(), "gzip_types application/json");
                assertEquals(20, gzip.minLength(), "gzip_min_length's default");
            }
        }
    }

    @Test
    void theHaproxyExampleKeepsWhatTheHaproxyLinesMeant() {
        RampartConfig config = ConfigLoader.load(Page.HAPROXY.example, Map.of());
        assertEquals(Duration.ofSeconds(10), config.server().requestHeaderTimeout(), "timeout http-request 10s");
        assertEquals(Duration.ofSeconds(10), config.server().idleTimeout(),
                "timeout http-keep-alive falls back to timeout http-request; a stalled body is cut as timeout server");

        for (String name : List.of("app", "static")) {
            UpstreamConfig upstream = config.upstreams().get(name);
            assertEquals(Duration.ofSeconds(2), upstream.connectTimeout(), name + ": timeout connect 2s");
            HealthCheckConfig check = upstream.healthCheck().orElseThrow(() -> new AssertionError(name));
            assertEquals("/healthz", check.path(), "option httpchk GET /healthz");
            assertEquals(Duration.ofSeconds(2), check.interval(), "inter 2s");
            assertEquals(3, check.unhealthyThreshold(), "fall 3");
            assertEquals(2, check.healthyThreshold(), "rise 2");
            assertTrue(!check.reuseConnection(), "HAProxy checks on a new connection each time");
        }
        ExpectedStatuses appStatuses = config.upstreams().get("app").healthCheck().orElseThrow().expectedStatuses();
        assertTrue(appStatuses.contains(200) && !appStatuses.contains(204), "http-check expect status 200");
        assertEquals(ExpectedStatuses.ANY_2XX,
                config.upstreams().get("static").healthCheck().orElseThrow().expectedStatuses(),
                "backend static has no http-check expect");

        for (RouteConfig proxied : config.routes()) {
            if (proxied.upstream().isEmpty()) {
                assertTrue(proxied.rateLimit().isEmpty(), "http-request return comes before track-sc0");
                continue;
            }
            RetryConfig retry = proxied.retry();
            assertEquals(4, retry.attempts(), proxied.name() + ": retries 3 is three more after the first");
            assertEquals(Duration.ofSeconds(10), retry.perTryTimeout(), "timeout server 10s");
            assertEquals(Set.of(503), retry.statusCodes(), "retry-on 503, not 502 or 504");
            assertTrue(proxied.timeout().compareTo(Duration.ofSeconds(4 * (2 + 10))) >= 0,
                    "four tries of connect and server timeouts fit the route's deadline");
            assertTrue(proxied.preserveHost(), "HAProxy passes the client's Host");
            RateLimitConfig limit = proxied.rateLimit().orElseThrow(() -> new AssertionError(proxied.name()));
            assertEquals(20, limit.burst(), "sc_http_req_rate(0) gt 20: the 21st is refused");
            assertEquals(2.0, limit.requestsPerSecond(), "20 in http_req_rate(10s)");
            assertEquals(Optional.of("per-client"), limit.name(), "the frontend's one table counts for every backend");
            CompressionConfig gzip = proxied.compression().orElseThrow(() -> new AssertionError(proxied.name()));
            assertEquals(List.of("application/json"), gzip.types(), "compression type application/json");
            assertEquals(0, gzip.minLength(), "HAProxy 2.6 has no minimum size");
        }
    }

    @Test
    void theSpringCloudGatewayExampleKeepsWhatTheGatewayKeysMeant() {
        RampartConfig config = ConfigLoader.load(Page.SPRING_CLOUD_GATEWAY.example, Map.of());
        UpstreamConfig app = config.upstreams().get("app");
        assertEquals(2, app.endpoints().size(), "two routes of the weight group app, 50 each");
        assertEquals(Duration.ofSeconds(2), app.connectTimeout(), "httpclient.connect-timeout: 2000");
        CircuitBreakerConfig breaker = app.circuitBreaker();
        assertEquals(5, breaker.minimumCalls(), "minimumNumberOfCalls: 5");
        assertEquals(50.0, breaker.failureRateThreshold(), "failureRateThreshold: 50");
        assertEquals(0, breaker.consecutiveFailures(), "resilience4j counts no failures in a row");
        assertEquals(Duration.ofSeconds(10), breaker.openDuration(), "waitDurationInOpenState: 10s");
        assertEquals(Duration.ofSeconds(10), breaker.maxOpenDuration(), "resilience4j does not lengthen the pause");

        RouteConfig route = route(config, "app");
        Pattern path = route.match().pathRegex().orElseThrow();
        for (String matched : List.of("/api", "/api/", "/api/users/1")) {
            assertTrue(path.matcher(matched).find(), "Path=/api/** takes " + matched);
        }
        assertTrue(!path.matcher("/apis").find(), "Path=/api/** does not take /apis");
        PathRewrite rewrite = route.rewrite().orElseThrow();
        assertEquals("/users/1", rewrite.apply("/api/users/1", new RegexBudget()), "RewritePath's segment");
        assertEquals("/", rewrite.apply("/api", new RegexBudget()), "RewritePath leaves / of /api");
        assertEquals(Map.of("X-Api-Version", "2"), route.requestHeaders().set(), "SetRequestHeader");
        assertEquals(Map.of("X-Gateway", "edge"), route.requestHeaders().add(), "AddRequestHeader");
        assertEquals(1024 * 1024, route.maxRequestBody().orElseThrow(), "RequestSize maxSize: 1MB, binary");

        RetryConfig retry = route.retry();
        assertEquals(4, retry.attempts(), "retries: 3 is three more after the first");
        assertEquals(Duration.ofSeconds(2), retry.perTryTimeout(), "httpclient.response-timeout: 2s");
        assertEquals(Set.of(502, 503), retry.statusCodes(), "statuses: BAD_GATEWAY,SERVICE_UNAVAILABLE");
        assertTrue(!retry.on().contains(RetryOn.GATEWAY_ERROR) && !retry.on().contains(RetryOn.SERVER_ERROR),
                "series: (none), so no 504 or 500");
        assertEquals(Set.of("GET"), retry.idempotentMethods(), "methods: GET");
        assertEquals(new BackoffConfig(Duration.ofMillis(50), Duration.ofMillis(500), 2.0, BackoffConfig.Jitter.NONE),
                retry.backoff(), "firstBackoff 50ms, maxBackoff 500ms, factor 2, no jitter");
        assertTrue(route.timeout().compareTo(Duration.ofSeconds(4 * (2 + 2))) >= 0,
                "four tries of connect and response timeouts fit the route's deadline");
    }

    @Test
    void theEnvoyExampleKeepsWhatTheEnvoyFieldsMeant() {
        RampartConfig config = ConfigLoader.load(Page.ENVOY.example, Map.of());
        assertEquals(Duration.ofSeconds(60), config.server().idleTimeout(), "HCM common_http_protocol_options.idle_timeout");
        assertEquals(1024 * 1024, config.server().maxRequestBody(), "buffer filter max_request_bytes: 1048576");
        assertTrue(!config.requestId().trustIncoming(), "preserve_external_request_id: false replaces an edge id");

        UpstreamConfig app = config.upstreams().get("app");
        assertEquals(2, app.endpoints().size(), "two lb_endpoints");
        assertEquals(LoadBalancing.LEAST_REQUEST, app.loadBalancing(), "lb_policy: LEAST_REQUEST");
        assertEquals(Duration.ofSeconds(2), app.connectTimeout(), "connect_timeout: 2s");
        assertEquals(Duration.ofSeconds(30), app.poolIdleTimeout(), "cluster common_http_protocol_options.idle_timeout");
        assertEquals(1024, app.maxConnectionsPerEndpoint() * app.endpoints().size(),
                "max_connections: 1024 is the cluster's, split over its hosts");
        assertEquals(1024, app.maxConcurrentRequests(), "max_requests: 1024");
        CircuitBreakerConfig breaker = app.circuitBreaker();
        assertEquals(5, breaker.consecutiveFailures(), "consecutive_5xx: 5");
        assertEquals(100.0, breaker.failureRateThreshold(), "no success-rate ejection with fewer than 5 hosts");
        assertEquals(Duration.ofSeconds(30), breaker.openDuration(), "base_ejection_time: 30s");
        assertEquals(Duration.ofSeconds(300), breaker.maxOpenDuration(), "max_ejection_time's default");
        assertTrue(breaker.halfOpenOnHealthCheck(), "successful_active_health_check_uneject_host: true by default");
        HealthCheckConfig check = app.healthCheck().orElseThrow();
        assertEquals("/healthz", check.path(), "http_health_check path");
        assertEquals(Duration.ofSeconds(5), check.interval(), "interval: 5s");
        assertEquals(Duration.ofSeconds(1), check.timeout(), "timeout: 1s");
        assertEquals(3, check.unhealthyThreshold(), "unhealthy_threshold: 3");
        assertEquals(2, check.healthyThreshold(), "healthy_threshold: 2");
        assertTrue(check.expectedStatuses().contains(200) && !check.expectedStatuses().contains(204),
                "without expected_statuses Envoy passes only 200");

        RouteConfig api = route(config, "api");
        assertTrue(api.match().pathRegex().isEmpty(), "prefix: /api/ is a prefix of the path's text");
        RetryConfig retry = api.retry();
        assertEquals(4, retry.attempts(), "num_retries: 3 is three more after the first");
        assertEquals(Duration.ofSeconds(2), retry.perTryTimeout(), "per_try_timeout: 2s");
        assertTrue(retry.on().containsAll(Set.of(RetryOn.CONNECT_FAILURE, RetryOn.RESET, RetryOn.TIMEOUT,
                RetryOn.SERVER_ERROR)), "Envoy's 5xx covers resets and per-try timeouts too");
        assertEquals(Set.of(429), retry.statusCodes(), "retriable_status_codes: [429]");
        assertEquals(Duration.ofMillis(25), retry.backoff().initial(), "retry_back_off base_interval");
        assertEquals(Duration.ofMillis(250), retry.backoff().max(), "retry_back_off max_interval");
        assertEquals(Duration.ofSeconds(5), retry.retryAfter().max(), "rate_limited_retry_back_off max_interval");
        assertEquals(0.2, retry.budget().ratio(), 1e-9, "retry_budget budget_percent: 20");
        assertTrue(api.timeout().compareTo(retry.perTryTimeout().multipliedBy(retry.attempts())
                .plus(app.connectTimeout().multipliedBy(retry.attempts()))) >= 0,
                "four tries of connect and per-try timeouts fit the route's timeout");
        assertEquals(Duration.ofSeconds(5), api.responseIdleTimeout(), "route idle_timeout: 5s");
        assertEquals(Map.of("X-Edge", "rampart"), api.requestHeaders().add(), "APPEND_IF_EXISTS_OR_ADD");
        assertEquals(Map.of("X-Api-Version", "2"), api.requestHeaders().set(), "OVERWRITE_IF_EXISTS_OR_ADD");
        CompressionConfig gzip = api.compression().orElseThrow();
        assertEquals(30, gzip.minLength(), "min_content_length: 30");

        RouteConfig items = route(config, "items");
        Pattern path = items.match().pathRegex().orElseThrow();
        for (String matched : List.of("/v2/items", "/v2/items/7")) {
            assertTrue(path.matcher(matched).find(), "safe_regex takes " + matched);
        }
        for (String other : List.of("/v2/itemsx", "/x/v2/items/1")) {
            assertTrue(!path.matcher(other).find(), "safe_regex matches the whole path, not " + other);
        }
        assertEquals(1, items.retry().attempts(), "a route without retry_policy is not retried by Envoy");
        for (RouteConfig proxied : List.of(api, items)) {
            RateLimitConfig limit = proxied.rateLimit().orElseThrow(() -> new AssertionError(proxied.name()));
            assertEquals(10.0, limit.requestsPerSecond(), "tokens_per_fill: 10 every fill_interval: 1s");
            assertEquals(20, limit.burst(), "max_tokens: 20");
            assertEquals(RateLimitConfig.Per.ROUTE, limit.per(), "Envoy's local bucket is shared by every client");
            assertEquals(Optional.of("local"), limit.name(), "a filter on the HCM is one bucket for every route");
        }
    }

    private static RouteConfig route(RampartConfig config, String name) {
        return config.routes().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> hoconBlocks(Page page) throws IOException {
        Matcher m = HOCON_BLOCK.matcher(Files.readString(page.doc));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }
}
