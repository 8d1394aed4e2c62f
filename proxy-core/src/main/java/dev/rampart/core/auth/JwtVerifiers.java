package dev.rampart.core.auth;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.resilience.KeptByRoute;

import java.time.Clock;
import java.util.Set;

/**
 * Every route's bearer-token check, kept across config reloads while the route's {@code jwt} is unchanged (and its
 * {@code jwks-uri} set is the same), so that the tokens it remembers as good stay remembered: made anew at every
 * reload, a no-op {@code touch} of the file included, each client's next request needed a signature check again, and
 * on a busy route many of those were refused 503 by the {@link CheckBudget} (559 of 1,500 valid ES256 tokens from a
 * real OpenID provider, on the first pass after a reload). One {@link CheckBudget} for them all, as the bound is per
 * event loop whatever the routes. Lives as long as the process.
 *
 * <p>A reload builds its checks with {@link #prepare}; those made for a changed {@code jwt} are kept only when it swaps
 * in ({@link #commit}), and forgotten when it is refused ({@link #discard}), so that a refused reload leaves each route
 * the check it serves with, as {@link KeptByRoute} does for the routes' retry budgets and rate limiters.
 */
public final class JwtVerifiers {

    /** What a check is made from: the route's {@code jwt}, and the very key set of its {@code jwks-uri} (or null). */
    private record Checked(JwtConfig config, RemoteKeySet remote) {
    }

    private final KeptByRoute<Checked, JwtVerifier> byRoute;

    public JwtVerifiers(Ticker ticker, Clock clock) {
        CheckBudget budget = CheckBudget.ofThreadCpuTime(ticker);
        this.byRoute = new KeptByRoute<>(checked -> new JwtVerifier(checked.config(), clock, budget, checked.remote()));
    }

    /**
     * The check of {@code route} under {@code config} for a reload being built: the one it has if its config is the
     * same (a {@code jwks-file} read again with the same content included) and {@code remote} the same set; else a new
     * one, kept once the reload {@link #commit}s.
     *
     * @param remote the set of the config's {@code jwks-uri}; null for a {@code jwks-file}
     */
    public JwtVerifier prepare(String route, JwtConfig config, RemoteKeySet remote) {
        return byRoute.prepare(route, new Checked(config, remote));
    }

    /** The reload being built swaps in: the checks it made for changed routes are theirs from now on. */
    public void commit() {
        byRoute.commit();
    }

    /** The reload being built was refused: each route keeps the check it serves with. */
    public void discard() {
        byRoute.discard();
    }

    /** Forgets the checks of routes a reload removed or left without a {@code jwt}. */
    public void retainOnly(Set<String> routes) {
        byRoute.retainOnly(routes);
    }
}
