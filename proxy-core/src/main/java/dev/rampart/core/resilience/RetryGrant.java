package dev.rampart.core.resilience;

/**
 * One retry a {@link RetryBudget} granted and counted. A retry waits out its backoff before it is sent, and in
 * that wait the client can leave, the route deadline can answer it, or every breaker can open: the retry is
 * then never sent, and giving the grant back keeps it from standing in the way of one that is. Without it, a
 * burst of failures whose retries all met open breakers drained the budget of retries that never went out.
 *
 * <p>Used on the exchange's event loop, at most once; a second call does nothing.
 */
@FunctionalInterface
public interface RetryGrant {

    /** The grant of a budget that counts nothing: there is nothing to give back. */
    RetryGrant UNCOUNTED = () -> { };

    /** Takes the retry off the budget's count: it was not sent. */
    void giveBack();
}
