package dev.rampart.core.timing;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A one-shot timeout on an event loop whose action runs only once the loop has polled for I/O again after the
 * timeout fell due. After a stop of the whole process (SIGSTOP, a cgroup freezer, a paused VM) the timer and the
 * I/O that makes it moot, a response head that came during the stop, are ready at once, and the loop took the timer
 * first: {@code epoll_wait} interrupted by the stop returns no events once its own deadline has passed, and a loop
 * held up inside its I/O phase takes the timers that fell due in before it polls again. A response that came was
 * timed out, retried, and counted against a healthy endpoint's breaker (a 5 s stop under 200 requests a second:
 * 7 false UPSTREAM_TIMEOUTs and an opened breaker on epoll; nginx handles the ready I/O first); so was a connect, or
 * a TLS handshake, that completed during the stop, as UPSTREAM_CONNECT_TIMEOUT. A task scheduled
 * with no delay from a running task runs only after the loop's next poll, as the loop takes scheduled tasks in once
 * per turn: the action is put behind that poll. A timeout that is real fires one turn of the loop later.
 *
 * <p>Not thread-safe: every method runs on {@code executor}, which also runs the action.
 */
public final class PollFirstTimeout {

    private final EventExecutor executor;
    private final Runnable onExpiry;
    private ScheduledFuture<?> task;

    private PollFirstTimeout(EventExecutor executor, Runnable onExpiry) {
        this.executor = executor;
        this.onExpiry = onExpiry;
    }

    /** Runs {@code onExpiry} on {@code executor} {@code delayNanos} from now, behind the I/O ready by then. */
    public static PollFirstTimeout start(EventExecutor executor, long delayNanos, Runnable onExpiry) {
        PollFirstTimeout timeout = new PollFirstTimeout(executor, onExpiry);
        timeout.task = executor.schedule(timeout::due, delayNanos, TimeUnit.NANOSECONDS);
        return timeout;
    }

    /** The action will not run. */
    public void cancel() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    private void due() {
        task = executor.schedule(this::expire, 0, TimeUnit.NANOSECONDS);
    }

    private void expire() {
        task = null;
        onExpiry.run();
    }
}
