package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.BudgetConfig;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every route's retry budget, kept across config reloads. A budget is a count of the last ten seconds'
 * requests and retries; were it made anew on every reload, each reload (a no-op {@code touch} of the file
 * included) would hand out a fresh reserve of retries, and reloads come often during an incident, when the
 * budget matters. One budget per route name: kept while the route's {@code retry.budget} is unchanged, made
 * anew (empty) when it changes, forgotten when the route is gone. Lives as long as the process.
 */
public final class RetryBudgets {

    private record Kept(BudgetConfig config, RetryBudget budget) {
    }

    private final ConcurrentHashMap<String, Kept> byRoute = new ConcurrentHashMap<>();
    private final Ticker ticker;

    public RetryBudgets(Ticker ticker) {
        this.ticker = ticker;
    }

    /** The budget of {@code route} under {@code config}: the one it had if its config is the same. */
    public RetryBudget forRoute(String route, BudgetConfig config) {
        return byRoute.compute(route, (name, kept) -> kept != null && kept.config().equals(config)
                ? kept : new Kept(config, RetryBudget.of(config, ticker))).budget();
    }

    /** Forgets the budgets of routes a reload removed. */
    public void retainOnly(Set<String> routes) {
        byRoute.keySet().retainAll(routes);
    }
}
