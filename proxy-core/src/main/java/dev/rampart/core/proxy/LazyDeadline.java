package dev.rampart.core.proxy;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A timeout on one event loop that is re-armed many times and rarely expires, such as a keep-alive
 * connection's idle timeout or its request-head timeout. Re-arming only records the new deadline; the
 * scheduled task that is already pending stays, and when it runs it checks the deadline and schedules
 * itself again for what is left (the way Netty's {@code IdleStateHandler} works). A busy connection
 * thus schedules about one task per timeout period instead of one per request, and cancels none.
 * A task is replaced only when the new deadline comes before the pending one, e.g. after a reload
 * shortened the timeout. A deadline found passed is looked at once more after the loop's next poll for I/O (as
 * {@link dev.rampart.core.timing.PollFirstTimeout} does, and for the same reason): after a stop of the whole
 * process, the request that came during it re-arms or disarms the deadline before the expiry would close its
 * connection.
 *
 * <p>Not thread-safe: every method runs on {@code executor}, which also runs the expiry action.
 */
final class LazyDeadline {

    private final EventExecutor executor;
    private final Runnable onExpiry;
    private ScheduledFuture<?> task;
    private long taskRunsAtNanos;
    private long deadlineNanos;
    private boolean armed;

    LazyDeadline(EventExecutor executor, Runnable onExpiry) {
        this.executor = executor;
        this.onExpiry = onExpiry;
    }

    /** Expires {@code timeoutNanos} from now unless {@link #disarm disarmed} or re-armed before. */
    void arm(long timeoutNanos) {
        long now = executor.ticker().nanoTime();
        deadlineNanos = now + timeoutNanos;
        armed = true;
        if (task != null) {
            if (taskRunsAtNanos <= deadlineNanos) {
                return; // the pending task will find the later deadline and wait again
            }
            task.cancel(false);
        }
        schedule(now, timeoutNanos);
    }

    /** Stops expiry; a pending task is left to run and finds nothing to do. */
    void disarm() {
        armed = false;
    }

    /** Stops expiry and removes the pending task: for a connection that is gone. */
    void cancel() {
        armed = false;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    private void schedule(long now, long delayNanos) {
        taskRunsAtNanos = now + delayNanos;
        task = executor.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        lookAtDeadline(false);
    }

    private void expireAfterPoll() {
        lookAtDeadline(true);
    }

    /** Waits again for a deadline moved later, expires one that passed once the loop has {@code polled} since. */
    private void lookAtDeadline(boolean polled) {
        task = null;
        if (!armed) {
            return;
        }
        long now = executor.ticker().nanoTime();
        long left = deadlineNanos - now;
        if (left > 0) {
            schedule(now, left); // re-armed meanwhile, by a request or by what the poll brought
            return;
        }
        if (!polled) {
            // Scheduled with no delay from a running task, it runs only after the loop has polled for I/O again.
            taskRunsAtNanos = now;
            task = executor.schedule(this::expireAfterPoll, 0, TimeUnit.NANOSECONDS);
            return;
        }
        armed = false;
        onExpiry.run();
    }
}
