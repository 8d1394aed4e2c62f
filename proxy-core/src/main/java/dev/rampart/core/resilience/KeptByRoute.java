package dev.rampart.core.resilience;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Runtime state of each route that a reload keeps while the route's settings for it are unchanged: the same
 * value for a route name and equal settings, a new one (fresh) when they changed, none once the route is gone.
 *
 * @param <C> the settings the state is made from (a record: compared with {@code equals})
 * @param <V> the state
 */
final class KeptByRoute<C, V> {

    private record Kept<C, V>(C config, V value) {
    }

    private final ConcurrentHashMap<String, Kept<C, V>> byRoute = new ConcurrentHashMap<>();
    private final Function<C, V> make;

    KeptByRoute(Function<C, V> make) {
        this.make = make;
    }

    /** The state of {@code route} under {@code config}: the one it had if its config is the same. */
    V forRoute(String route, C config) {
        return byRoute.compute(route, (name, kept) -> kept != null && kept.config().equals(config)
                ? kept : new Kept<>(config, make.apply(config))).value();
    }

    /** Forgets the state of routes not in {@code routes}. */
    void retainOnly(Set<String> routes) {
        byRoute.keySet().retainAll(routes);
    }
}
