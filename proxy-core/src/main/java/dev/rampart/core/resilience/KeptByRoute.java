package dev.rampart.core.resilience;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Runtime state of each route that a reload keeps while the route's settings for it are unchanged: the same
 * value for a route name and equal settings, a new one (fresh) when they changed, none once the route is gone.
 *
 * <p>Used for the routes' retry budgets and rate limiters, and for their bearer-token checks ({@code auth}); and
 * keyed by a limit's name rather than a route's, for the limiters of {@code rate-limits}, which routes share.
 *
 * @param <C> the settings the state is made from (a record: compared with {@code equals})
 * @param <V> the state
 */
public final class KeptByRoute<C, V> {

    private record Kept<C, V>(C config, V value) {
    }

    private final ConcurrentHashMap<String, Kept<C, V>> byRoute = new ConcurrentHashMap<>();
    /**
     * What a reload being built made for routes whose settings it changed, kept here until the reload swaps in
     * ({@link #commit}) or is refused ({@link #discard}): a refused reload must leave each route the state it
     * serves with, or the next reload would find the refused one's and start the route afresh. One reload is
     * built at a time.
     */
    private final ConcurrentHashMap<String, Kept<C, V>> pending = new ConcurrentHashMap<>();
    private final Function<C, V> make;

    public KeptByRoute(Function<C, V> make) {
        this.make = make;
    }

    /** The state of {@code route} under {@code config}: the one it had if its config is the same. */
    V forRoute(String route, C config) {
        V value = prepare(route, config);
        commit();
        return value;
    }

    /**
     * {@link #forRoute} for a reload being built: a new state, for settings that changed, is kept only once the
     * reload {@link #commit}s.
     */
    public V prepare(String route, C config) {
        Kept<C, V> kept = byRoute.get(route);
        if (kept != null && kept.config().equals(config)) {
            return kept.value();
        }
        Kept<C, V> made = new Kept<>(config, make.apply(config));
        pending.put(route, made);
        return made.value();
    }

    /** Keeps what the reload being built made: it serves from now on. */
    public void commit() {
        byRoute.putAll(pending);
        pending.clear();
    }

    /** Forgets what the reload being built made: it was refused. */
    public void discard() {
        pending.clear();
    }

    /** Forgets the state of routes not in {@code routes}. */
    public void retainOnly(Set<String> routes) {
        byRoute.keySet().retainAll(routes);
    }
}
