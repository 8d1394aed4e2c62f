package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.RateLimitConfig;

import java.util.Set;

/**
 * Every route's rate limiter, kept across config reloads: were it made anew on every reload, each reload (a
 * no-op {@code touch} of the file included) would hand every client a full burst again. One limiter per route
 * name for a route's own limit: kept while the route's {@code rate-limit} is unchanged, made anew (full) when it
 * changes, forgotten when the route or its limit is gone. One limiter per name of {@code rate-limits}, shared by
 * the routes naming it: kept while that limit's settings are unchanged, whichever routes name it, and forgotten
 * once it is no longer declared. Lives as long as the process.
 */
public final class RateLimiters {

    private final KeptByRoute<RateLimitConfig, RateLimiter> byRoute;
    /** The limiters of {@code rate-limits}, by the limit's name (a namespace of its own: no route name clashes). */
    private final KeptByRoute<RateLimitConfig, RateLimiter> shared;

    public RateLimiters(Ticker ticker) {
        this.byRoute = new KeptByRoute<>(config -> new RateLimiter(config, ticker));
        this.shared = new KeptByRoute<>(config -> new RateLimiter(config, ticker));
    }

    /**
     * For a reload being built: the limiter of the limit {@code rate-limits} declares as {@code config}, the one it
     * had if its settings are the same; kept once the reload {@link #commit}s. Call it once per name and reload,
     * and give each route naming the limit what it returned: a second call for a changed limit would make another.
     */
    public RateLimiter prepareShared(RateLimitConfig config) {
        return shared.prepare(config.name().orElseThrow(), config);
    }

    /** The limiter of {@code route} under {@code config}: the one it had if its config is the same. */
    public RateLimiter forRoute(String route, RateLimitConfig config) {
        return byRoute.forRoute(route, config);
    }

    /** {@link #forRoute} for a reload being built: a changed route's new limiter is kept once it {@link #commit}s. */
    public RateLimiter prepare(String route, RateLimitConfig config) {
        return byRoute.prepare(route, config);
    }

    /** The reload being built swaps in: what it made for changed routes is theirs from now on. */
    public void commit() {
        byRoute.commit();
        shared.commit();
    }

    /** The reload being built was refused: each route keeps the limiter it serves with. */
    public void discard() {
        byRoute.discard();
        shared.discard();
    }

    /**
     * Forgets the limiters of routes a reload removed or left without a limit of their own, and of the shared limits
     * it no longer declares.
     */
    public void retainOnly(Set<String> limitedRoutes, Set<String> sharedLimits) {
        byRoute.retainOnly(limitedRoutes);
        shared.retainOnly(sharedLimits);
    }
}
