package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.RateLimitConfig;

import java.util.Set;

/**
 * Every route's rate limiter, kept across config reloads: were it made anew on every reload, each reload (a
 * no-op {@code touch} of the file included) would hand every client a full burst again. One limiter per route
 * name: kept while the route's {@code rate-limit} is unchanged, made anew (full) when it changes, forgotten
 * when the route or its limit is gone. Lives as long as the process.
 */
public final class RateLimiters {

    private final KeptByRoute<RateLimitConfig, RateLimiter> byRoute;

    public RateLimiters(Ticker ticker) {
        this.byRoute = new KeptByRoute<>(config -> new RateLimiter(config, ticker));
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
    }

    /** The reload being built was refused: each route keeps the limiter it serves with. */
    public void discard() {
        byRoute.discard();
    }

    /** Forgets the limiters of routes a reload removed or left without a limit. */
    public void retainOnly(Set<String> limitedRoutes) {
        byRoute.retainOnly(limitedRoutes);
    }
}
