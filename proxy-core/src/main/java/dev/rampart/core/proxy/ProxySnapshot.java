package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.auth.JwtVerifier;
import dev.rampart.core.config.ConsistentHashConfig;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.config.UpstreamConfig;
import dev.rampart.core.errors.ErrorRenderer;
import dev.rampart.core.health.HealthChecks;
import dev.rampart.core.observe.RequestIds;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.resilience.Backoff;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.resilience.RateLimiter;
import dev.rampart.core.resilience.RetryBudget;
import dev.rampart.core.resilience.RetryPolicy;
import dev.rampart.core.routing.Router;
import dev.rampart.core.upstream.Endpoint;
import dev.rampart.core.upstream.Upstream;
import dev.rampart.core.upstream.balancing.EndpointSelector;
import dev.rampart.core.upstream.balancing.EndpointSelectors;
import dev.rampart.core.upstream.pool.OriginPools;
import dev.rampart.core.upstream.pool.PoolSettings;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Everything one config generation needs to serve requests, built once per (re)load and read without
 * locks by every event loop: routes, upstreams with their breakers, retry policies, budgets and rate
 * limiters per route, and the error renderer. An exchange keeps the snapshot it started with to its end.
 */
final class ProxySnapshot {

    /** Requests allowed to wait for a pooled connection per endpoint and event loop. */
    static final int MAX_PENDING_ACQUIRES = 1024;
    private static final long DEADLINE_TIMER_SLACK_NANOS = 1_000_000_000L;

    private final RampartConfig config;
    private final Router router;
    private final Map<String, Upstream> upstreams;
    private final Map<String, RetryPolicy> retryPolicies;
    private final Map<String, RateLimiter> rateLimiters;
    private final Map<String, JwtVerifier> jwtVerifiers;
    private final ErrorRenderer renderer;
    private final OriginPools pools;
    private final ProxyObserver observer;
    private final Ticker ticker;
    private final Clock clock;
    private final Set<PoolSettings> poolsInUse;
    private final List<HealthChecks.Target> healthTargets;
    private final ReplayMemory replayMemory;
    private final long replayMemoryLimit;
    private final CompressionSlots compressions;
    private final ShortageWarnings shortages;
    /** {@code Keep-Alive} on responses that keep the connection: made once here, not per response. */
    private final AsciiString keepAliveHint;
    /** Each route's {@link CarriedState#routeKey}, in the list's order: what its budget and buckets are carried by. */
    private final List<String> routeKeys;
    /** For each upstream, the longest its calls may take (see {@link #longestCallsByUpstream}). */
    private final Map<String, Long> longestCalls;

    private ProxySnapshot(RampartConfig config, Router router, Map<String, Upstream> upstreams,
                          Map<String, RetryPolicy> retryPolicies, Map<String, RateLimiter> rateLimiters,
                          Map<String, JwtVerifier> jwtVerifiers, OriginPools pools, ProxyObserver observer,
                          Ticker ticker, Clock clock, Set<PoolSettings> poolsInUse,
                          List<HealthChecks.Target> healthTargets, ReplayMemory replayMemory,
                          CompressionSlots compressions, ShortageWarnings shortages, List<String> routeKeys,
                          Map<String, Long> longestCalls) {
        this.config = config;
        this.router = router;
        this.upstreams = upstreams;
        this.retryPolicies = retryPolicies;
        this.rateLimiters = rateLimiters;
        this.jwtVerifiers = jwtVerifiers;
        this.renderer = new ErrorRenderer("rampart", config.requestId().header());
        this.pools = pools;
        this.observer = observer;
        this.ticker = ticker;
        this.clock = clock;
        this.poolsInUse = poolsInUse;
        this.healthTargets = healthTargets;
        this.replayMemory = replayMemory;
        this.replayMemoryLimit = ReplayMemory.limitOf(config.server().maxReplayMemory());
        this.compressions = compressions;
        this.shortages = shortages;
        this.keepAliveHint = ClientResponder.Keep.hintFor(config.server().idleTimeout());
        this.routeKeys = routeKeys;
        this.longestCalls = longestCalls;
    }

    /**
     * Builds the generation of {@code config}, taking the state it carries over from {@code carried}. Changes nothing
     * the running generation serves with: what the new settings change in state the two share (a bulkhead's limit, a
     * key set's trust and refresh, a retuned breaker's or a changed budget's and limiter's place) waits for
     * {@link CarriedState#adopt} as it swaps in, so that a reload refused after this leaves the proxy as it was.
     */
    static ProxySnapshot build(RampartConfig config, CarriedState carried, ProxyObserver observer, Ticker ticker,
                               Clock clock, RandomGenerator random) {
        Map<String, Long> longestCalls = longestCallsByUpstream(config);
        Map<String, Upstream> upstreams = new HashMap<>();
        Set<PoolSettings> poolsInUse = new HashSet<>();
        List<HealthChecks.Target> healthTargets = new ArrayList<>();
        for (UpstreamConfig uc : config.upstreams().values()) {
            List<Endpoint> endpoints = new ArrayList<>(uc.endpoints().size());
            for (var address : uc.endpoints()) {
                PoolSettings settings = new PoolSettings(address, uc.connectTimeout(), uc.maxConnectionsPerEndpoint(),
                        uc.poolIdleTimeout(), uc.poolMaxConnectionAge(), MAX_PENDING_ACQUIRES, uc.tls(),
                        uc.poolMaxRequestsPerConnection());
                poolsInUse.add(settings);
                var endpointHealth = carried.health().healthOf(uc.name(), address, uc.healthCheck());
                CircuitBreaker breaker = carried.breakers().get(uc.name(), address, uc.circuitBreaker());
                endpoints.add(new Endpoint(address, settings, breaker, endpointHealth,
                        carried.loads().of(uc.name(), address.authority()),
                        carried.loads().warmthOf(uc.name(), address.authority(), ticker.read()), uc.backup(address)));
                uc.healthCheck().ifPresent(check ->
                        healthTargets.add(new HealthChecks.Target(uc.name(), settings, check, endpointHealth, breaker)));
            }
            upstreams.put(uc.name(), new Upstream(uc, endpoints, selector(uc),
                    carried.bulkheads().prepare(uc.name(), uc.maxConcurrentRequests()), ticker, random));
        }
        Map<String, RetryPolicy> policies = new HashMap<>();
        Map<String, RateLimiter> limiters = new HashMap<>();
        Map<String, JwtVerifier> verifiers = new HashMap<>();
        Map<URI, Duration> refreshes = keySetRefreshes(config);
        List<String> routeKeys = CarriedState.routeKeys(config.routes());
        // Made once per name, before the routes: every route naming a limit takes the same limiter, its buckets.
        Map<String, RateLimiter> shared = new HashMap<>();
        config.rateLimits().forEach((name, limit) -> shared.put(name, carried.rateLimits().prepareShared(limit)));
        for (int i = 0; i < routeKeys.size(); i++) {
            RouteConfig rc = config.routes().get(i);
            String routeKey = routeKeys.get(i);
            RetryBudget budget = carried.budgets().prepare(routeKey, rc.retry().budget());
            policies.put(rc.name(), RetryPolicy.of(rc.retry(), budget, Backoff.of(rc.retry().backoff(), random), clock));
            rc.rateLimit().ifPresent(limit -> limiters.put(rc.name(), limit.name().isPresent()
                    ? shared.computeIfAbsent(limit.name().get(), name -> carried.rateLimits().prepareShared(limit))
                    : carried.rateLimits().prepare(routeKey, limit)));
            rc.jwt().ifPresent(jwt -> verifiers.put(rc.name(), carried.verifiers().prepare(routeKey, jwt,
                    jwt.remoteKeys().map(remote -> carried.keySets().prepare(remote.uri(), refreshes.get(remote.uri()),
                            remote.trustCertChain())).orElse(null))));
        }
        return new ProxySnapshot(config, Router.compile(config.routes()), Map.copyOf(upstreams), Map.copyOf(policies),
                Map.copyOf(limiters), Map.copyOf(verifiers),
                carried.pools(), observer, ticker, clock, Set.copyOf(poolsInUse), List.copyOf(healthTargets),
                carried.replayMemory(), carried.compressions(), carried.shortages(), List.copyOf(routeKeys),
                Map.copyOf(longestCalls));
    }

    /**
     * The upstream's load balancer, weighted when its endpoints' weights differ, its ring placed by their addresses
     * ({@link EndpointSelectors#forEndpoints}).
     */
    private static EndpointSelector selector(UpstreamConfig uc) {
        int[] weights = uc.endpoints().stream().mapToInt(uc::weight).toArray();
        List<String> addresses = uc.endpoints().stream().map(EndpointAddress::authority).toList();
        int balanceFactor = uc.consistentHash().map(ConsistentHashConfig::balanceFactor).orElse(0);
        return EndpointSelectors.forEndpoints(uc.loadBalancing(), addresses, weights, balanceFactor, null);
    }

    /** Each {@code jwks-uri}'s refresh: the shortest of the routes that name it, so that none waits longer than it asks. */
    static Map<URI, Duration> keySetRefreshes(RampartConfig config) {
        Map<URI, Duration> refreshes = new HashMap<>();
        for (RouteConfig rc : config.routes()) {
            rc.jwt().flatMap(JwtConfig::remoteKeys).ifPresent(remote -> refreshes.merge(remote.uri(), remote.refresh(),
                    (a, b) -> a.compareTo(b) <= 0 ? a : b));
        }
        return refreshes;
    }

    /**
     * For each upstream, the longest its calls may take: the longest timeout of the routes that use it
     * (the route deadline ends every attempt), plus a second for a deadline timer that fires late.
     */
    private static Map<String, Long> longestCallsByUpstream(RampartConfig config) {
        Map<String, Long> longest = new HashMap<>();
        for (RouteConfig rc : config.routes()) {
            // A timeout of "practically forever" (HOCON saturates 110000d at Long.MAX_VALUE ns) stays forever.
            long nanos = Math.min(rc.timeout().toNanos(), Long.MAX_VALUE - DEADLINE_TIMER_SLACK_NANOS);
            rc.upstream().ifPresent(name -> longest.merge(name, nanos + DEADLINE_TIMER_SLACK_NANOS, Math::max));
            rc.canary().ifPresent(c -> longest.merge(c.upstream(), nanos + DEADLINE_TIMER_SLACK_NANOS, Math::max));
        }
        return longest;
    }

    RampartConfig config() {
        return config;
    }

    Router router() {
        return router;
    }

    Upstream upstream(String name) {
        return upstreams.get(name);
    }

    RetryPolicy retryPolicy(String route) {
        return retryPolicies.get(route);
    }

    /** The route's rate limiter, or null when the route has no {@code rate-limit}. */
    RateLimiter rateLimiter(String route) {
        return rateLimiters.get(route);
    }

    /** The route's bearer-token check, or null when the route has no {@code jwt}. */
    JwtVerifier jwtVerifier(String route) {
        return jwtVerifiers.get(route);
    }

    /** What the replay buffers of all requests in flight hold together (see {@link ReplayMemory}). */
    ReplayMemory replayMemory() {
        return replayMemory;
    }

    /** The responses being gzipped in the whole process (see {@code server.max-compressed-responses}). */
    CompressionSlots compressions() {
        return compressions;
    }

    /** How much {@link #replayMemory} may hold under this config. */
    long replayMemoryLimit() {
        return replayMemoryLimit;
    }

    ErrorRenderer renderer() {
        return renderer;
    }

    String requestIdHeader() {
        return config.requestId().header();
    }

    /**
     * The id a request with {@code head} goes by: the one it came with, when it sent one well-formed and
     * {@code request-id.trust-incoming} is on, else a new one.
     */
    String requestIdOf(HttpRequest head) {
        return RequestIds.resolve(ConnectionNames.soleEndToEnd(head.headers(), requestIdHeader()),
                config.requestId().trustIncoming());
    }

    AsciiString keepAliveHint() {
        return keepAliveHint;
    }

    OriginPools pools() {
        return pools;
    }

    ProxyObserver observer() {
        return observer;
    }

    /** The proxy's warnings of running short of memory or file descriptors. */
    ShortageWarnings shortages() {
        return shortages;
    }

    Ticker ticker() {
        return ticker;
    }

    Clock clock() {
        return clock;
    }

    /** Each route's key for the state carried to the next generation, in the list's order. */
    List<String> routeKeys() {
        return routeKeys;
    }

    Set<PoolSettings> poolsInUse() {
        return poolsInUse;
    }

    /** The breakers of this generation's endpoints. */
    List<CircuitBreaker> breakersInUse() {
        List<CircuitBreaker> inUse = new ArrayList<>();
        for (Upstream upstream : upstreams.values()) {
            for (var endpoint : upstream.endpoints()) {
                inUse.add(endpoint.breaker());
            }
        }
        return inUse;
    }

    /**
     * Tells each breaker of this generation how long its calls may take ({@link CircuitBreaker#expectCallsWithin}):
     * as the generation swaps in, since a breaker it keeps serves the running one until then.
     */
    void expectCallsOfThisGeneration() {
        upstreams.forEach((name, upstream) -> upstream.endpoints().forEach(endpoint ->
                endpoint.breaker().expectCallsWithin(longestCalls.getOrDefault(name, 0L))));
    }

    /** The endpoints of this generation that have an active health check. */
    List<HealthChecks.Target> healthTargets() {
        return healthTargets;
    }

    /** Whether this generation sends traffic to the endpoint {@code authority} of the upstream {@code name}. */
    boolean serves(String name, String authority) {
        Upstream upstream = upstreams.get(name);
        return upstream != null && upstream.endpoints().stream()
                .anyMatch(endpoint -> endpoint.address().authority().equals(authority));
    }
}
