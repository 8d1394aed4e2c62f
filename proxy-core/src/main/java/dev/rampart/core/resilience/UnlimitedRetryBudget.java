package dev.rampart.core.resilience;

import java.util.Optional;

/** Grants every retry and counts nothing. Stateless, so one instance serves everyone. */
enum UnlimitedRetryBudget implements RetryBudget {
    INSTANCE;

    private static final Optional<RetryGrant> GRANTED = Optional.of(RetryGrant.UNCOUNTED);

    @Override
    public void onRequest() {
    }

    @Override
    public Optional<RetryGrant> tryAcquireRetry() {
        return GRANTED;
    }

    @Override
    public long requestsInWindow() {
        return 0;
    }

    @Override
    public long retriesInWindow() {
        return 0;
    }
}
