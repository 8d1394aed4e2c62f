package dev.rampart.core.proxy;

import dev.rampart.core.auth.JwtVerifiers;
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

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The runtime state a reload carries from one config generation to the next, keyed by upstream, endpoint
 * or route: breakers, bulkheads, loads and retry budgets keep their counts, rate limiters their buckets,
 * health checks their verdicts, pools their connections, the replay memory what requests in flight hold, the
 * compression slots the responses being gzipped, the key sets fetched from {@code jwks-uri}s their keys, the
 * routes' token checks the tokens they remember as good, and the
 * shortage warnings when each was last given.
 * A reload must not hand a failing endpoint a fresh breaker, refill a budget or give clients a new burst.
 */
record CarriedState(BreakerRegistry breakers, Bulkheads bulkheads, EndpointLoads loads, RetryBudgets budgets,
                    RateLimiters rateLimits, HealthChecks health, OriginPools pools, ReplayMemory replayMemory,
                    RemoteKeySets keySets, JwtVerifiers verifiers, CompressionSlots compressions,
                    ShortageWarnings shortages) {

    /**
     * What a route's retry budget and rate-limit buckets are carried by: its name, or for a route named by its
     * place in the list ({@code route-N}, a route without {@code name}) what it matches. A route put above it
     * moves its name to the next route, which would get its buckets (drained, or a fresh burst for the one that
     * had drained them). Two such routes that match alike have one key, the second never reached: see
     * {@link #routeKeys}.
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

    /**
     * Each route's {@link #routeKey}, in the list's order. A key met again (an unnamed route that matches as one
     * above it, never reached) is told apart by its count, so that its settings, when they differ, do not replace
     * the state of the route above at every reload.
     */
    static List<String> routeKeys(List<RouteConfig> routes) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> keys = new ArrayList<>(routes.size());
        for (RouteConfig route : routes) {
            String key = routeKey(route);
            int count = seen.merge(key, 1, Integer::sum);
            keys.add(count == 1 ? key : key + " (" + count + ")");
        }
        return keys;
    }

    /**
     * Applies to the state what building {@code next} left for its swap (see {@link ProxySnapshot#build}): called
     * just before it serves, with the generation serving until then ({@code running}; null at the start).
     */
    void adopt(ProxySnapshot next, ProxySnapshot running) {
        RampartConfig config = next.config();
        config.upstreams().values().forEach(uc -> bulkheads.limitTo(uc.name(), uc.maxConcurrentRequests()));
        budgets.commit();
        rateLimits.commit();
        verifiers.commit();
        Map<URI, Duration> refreshes = ProxySnapshot.keySetRefreshes(config);
        config.routes().forEach(route -> route.jwt().flatMap(JwtConfig::remoteKeys).ifPresent(remote ->
                keySets.retune(remote.uri(), refreshes.get(remote.uri()), remote.trustCertChain())));
        breakers.handOver(next.breakersInUse(), running == null ? List.of() : running.breakersInUse());
        next.expectCallsOfThisGeneration();
    }

    /**
     * Forgets what building a generation that will not serve added (a reload refused after it was built, or while
     * it was), leaving the state as {@code running}, the generation that goes on serving, has it.
     */
    void discard(ProxySnapshot running) {
        discardPending();
        breakers.retainOnly(running.breakersInUse());
        bulkheads.retainOnly(running.config().upstreams().keySet());
        loads.retainOnly(running.config());
        keySets.retainOnly(keySetUris(running.config()));
        health.forgetUnscheduled();
    }

    /** Forgets the budgets, limiters and token checks made for routes by a build that was never committed. */
    void discardPending() {
        budgets.discard();
        rateLimits.discard();
        verifiers.discard();
    }

    /** The keys ({@code keys}, in the routes' order) of the routes of {@code config} that {@code has} holds for. */
    private static Set<String> keysOfRoutesWith(RampartConfig config, List<String> keys, Predicate<RouteConfig> has) {
        Set<String> with = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            if (has.test(config.routes().get(i))) {
                with.add(keys.get(i));
            }
        }
        return with;
    }

    private static Set<URI> keySetUris(RampartConfig config) {
        return config.routes().stream().flatMap(r -> r.jwt().flatMap(JwtConfig::remoteKeys).stream())
                .map(JwksSource.Remote::uri).collect(Collectors.toSet());
    }

    /** Drops what {@code next} no longer names; called once {@code next} serves new requests. */
    void retainOnly(ProxySnapshot next) {
        RampartConfig config = next.config();
        breakers.retainOnly(next.breakersInUse());
        bulkheads.retainOnly(config.upstreams().keySet());
        loads.retainOnly(config);
        List<String> keys = next.routeKeys(); // as the snapshot's budgets and buckets were taken by
        budgets.retainOnly(Set.copyOf(keys));
        rateLimits.retainOnly(keysOfRoutesWith(config, keys,
                route -> route.rateLimit().filter(limit -> limit.name().isEmpty()).isPresent()),
                config.rateLimits().keySet());
        verifiers.retainOnly(keysOfRoutesWith(config, keys, route -> route.jwt().isPresent()));
        pools.retainOnly(next.poolsInUse());
        keySets.retainOnly(keySetUris(config));
    }
}
