package dev.rampart.core.proxy;

import dev.rampart.core.auth.RemoteKeySets;
import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.config.MatchConfig;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.health.HealthChecks;
import dev.rampart.core.resilience.BreakerRegistry;
import dev.rampart.core.resilience.Bulkheads;
import dev.rampart.core.resilience.RateLimiters;
import dev.rampart.core.resilience.RetryBudgets;
import dev.rampart.core.upstream.EndpointLoads;
import dev.rampart.core.upstream.pool.OriginPools;

import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The runtime state a reload carries from one config generation to the next, keyed by upstream, endpoint
 * or route: breakers, bulkheads, loads and retry budgets keep their counts, rate limiters their buckets,
 * health checks their verdicts, pools their connections, the replay memory what requests in flight hold, the
 * compression slots the responses being gzipped, and the key sets fetched from {@code jwks-uri}s their keys.
 * A reload must not hand a failing endpoint a fresh breaker, refill a budget or give clients a new burst.
 */
record CarriedState(BreakerRegistry breakers, Bulkheads bulkheads, EndpointLoads loads, RetryBudgets budgets,
                    RateLimiters rateLimits, HealthChecks health, OriginPools pools, ReplayMemory replayMemory,
                    RemoteKeySets keySets, CompressionSlots compressions) {

    /**
     * What a route's retry budget and rate-limit buckets are carried by: its name, or for a route named by its
     * place in the list ({@code route-N}, a route without {@code name}) what it matches. A route put above it
     * moves its name to the next route, which would get its buckets (drained, or a fresh burst for the one that
     * had drained them); two such routes that match alike are one route, the second never reached.
     */
    static String routeKey(RouteConfig route) {
        if (!POSITIONAL_NAME.matcher(route.name()).matches()) {
            return route.name();
        }
        MatchConfig match = route.match();
        return "unnamed route, host=" + match.host().orElse("") + " prefix=" + match.pathPrefix().orElse("")
                + " regex=" + match.pathRegex().map(Pattern::pattern).orElse("")
                + " methods=" + new TreeSet<>(match.methods()) + " headers=" + new TreeMap<>(match.headers());
    }

    private static final Pattern POSITIONAL_NAME = Pattern.compile("route-[0-9]+");

    /** Drops what {@code next} no longer names; called once {@code next} serves new requests. */
    void retainOnly(ProxySnapshot next) {
        RampartConfig config = next.config();
        breakers.retainOnly(next.breakersInUse());
        bulkheads.retainOnly(config.upstreams().keySet());
        loads.retainOnly(config);
        budgets.retainOnly(config.routes().stream().map(CarriedState::routeKey).collect(Collectors.toSet()));
        rateLimits.retainOnly(config.routes().stream().filter(r -> r.rateLimit().isPresent())
                .map(CarriedState::routeKey).collect(Collectors.toSet()));
        pools.retainOnly(next.poolsInUse());
        keySets.retainOnly(config.routes().stream().flatMap(r -> r.jwt().flatMap(JwtConfig::remoteKeys).stream())
                .map(JwksSource.Remote::uri).collect(Collectors.toSet()));
    }
}
