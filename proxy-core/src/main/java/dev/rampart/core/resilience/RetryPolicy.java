package dev.rampart.core.resilience;

import dev.rampart.core.config.RetryConfig;

import java.time.Clock;

/**
 * A route's retry rules (PRODUCT §2, "Rules that go with it") as one function of a
 * {@link RetryContext}. One per route, shared by every event loop; the exchange asks it after every
 * failed attempt and never decides on its own.
 */
public interface RetryPolicy {

    /**
     * The policy of {@code config}.
     *
     * @param budget  the route's budget; the policy takes a retry from it only when every other rule
     *                allowed the retry, and the exchange calls {@link RetryBudget#onRequest()} itself
     * @param backoff delays between attempts
     * @param clock   wall time, to turn an HTTP-date {@code Retry-After} into a delay
     */
    static RetryPolicy of(RetryConfig config, RetryBudget budget, Backoff backoff, Clock clock) {
        return new DefaultRetryPolicy(config, budget, backoff, clock);
    }

    /**
     * Decides whether the exchange described by {@code ctx} retries, and after how long. A
     * {@link RetryDecision.Retry} has already taken its retry from the budget.
     */
    RetryDecision decide(RetryContext ctx);

    /** The route's budget, for {@link RetryBudget#onRequest()} and for reporting. */
    RetryBudget budget();
}
