package dev.rampart.core.resilience;

/** Grants every retry and counts nothing. Stateless, so one instance serves everyone. */
enum UnlimitedRetryBudget implements RetryBudget {
    INSTANCE;

    @Override
    public void onRequest() {
    }

    @Override
    public boolean tryAcquireRetry() {
        return true;
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
