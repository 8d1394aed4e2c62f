package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.BudgetConfig;

import java.util.Set;

/**
 * Every route's retry budget, kept across config reloads. A budget is a count of the last ten seconds'
 * requests and retries; were it made anew on every reload, each reload (a no-op {@code touch} of the file
 * included) would hand out a fresh reserve of retries, and reloads come often during an incident, when the
 * budget matters. One budget per route name: kept while the route's {@code retry.budget} is unchanged, made
 * anew (empty) when it changes, forgotten when the route is gone. Lives as long as the process.
 */
public final class RetryBudgets {

    private final KeptByRoute<BudgetConfig, RetryBudget> byRoute;

    public RetryBudgets(Ticker ticker) {
        this.byRoute = new KeptByRoute<>(config -> RetryBudget.of(config, ticker));
    }

    /** The budget of {@code route} under {@code config}: the one it had if its config is the same. */
    public RetryBudget forRoute(String route, BudgetConfig config) {
        return byRoute.forRoute(route, config);
    }

    /** {@link #forRoute} for a reload being built: a changed route's new budget is kept once it {@link #commit}s. */
    public RetryBudget prepare(String route, BudgetConfig config) {
        return byRoute.prepare(route, config);
    }

    /** The reload being built swaps in: what it made for changed routes is theirs from now on. */
    public void commit() {
        byRoute.commit();
    }

    /** The reload being built was refused: each route keeps the budget it serves with. */
    public void discard() {
        byRoute.discard();
    }

    /** Forgets the budgets of routes a reload removed. */
    public void retainOnly(Set<String> routes) {
        byRoute.retainOnly(routes);
    }
}
