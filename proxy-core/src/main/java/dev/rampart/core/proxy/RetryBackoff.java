package dev.rampart.core.proxy;

import dev.rampart.core.resilience.RetryGrant;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The wait before an exchange's next attempt: at most one at a time, on the exchange's event loop, and
 * cancelled once the client is being answered, so that no attempt starts after that. A cancelled wait gives
 * its retry's budget grant back: that retry is never sent.
 */
final class RetryBackoff {

    private final EventExecutor executor;
    private ScheduledFuture<?> timer;
    private RetryGrant grant;

    RetryBackoff(EventExecutor executor) {
        this.executor = executor;
    }

    /**
     * Runs {@code retry} now when {@code delayNanos} is not positive, else once it has passed; {@code grant} is
     * given back if the wait is cancelled first.
     */
    void then(long delayNanos, RetryGrant grant, Runnable retry) {
        if (delayNanos <= 0) {
            retry.run();
        } else {
            this.grant = grant;
            timer = executor.schedule(retry, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The wait is over (the retry runs): nothing is left to cancel. */
    void over() {
        timer = null;
        grant = null;
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
            grant.giveBack();
            grant = null;
        }
    }
}
