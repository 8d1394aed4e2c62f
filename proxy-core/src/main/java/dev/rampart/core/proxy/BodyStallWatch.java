package dev.rampart.core.proxy;

import io.netty.util.concurrent.EventExecutor;

/**
 * The route's {@code response-idle-timeout} on one attempt's relayed response body: the longest the upstream may
 * send nothing while the relay waits for it. It runs only while a read from the upstream is asked for, that is
 * while the client takes all it is sent: a client that reads slowly stops the reads (backpressure), and its pace
 * is never taken for a stalled upstream. The attempt creates it at the first read that leaves the body unfinished,
 * so a response whose body came whole with its head costs neither an object nor a timer; re-arming after each
 * read only records a new deadline (see {@link LazyDeadline}).
 *
 * <p>Not thread-safe: every method runs on the upstream connection's event loop, which also runs the expiry.
 */
final class BodyStallWatch {

    private final long timeoutNanos;
    private final LazyDeadline deadline;

    BodyStallWatch(EventExecutor executor, long timeoutNanos, Runnable onStall) {
        this.timeoutNanos = timeoutNanos;
        this.deadline = new LazyDeadline(executor, onStall);
    }

    /** A read from the upstream is asked for: it must bring something within the timeout. */
    void waiting() {
        deadline.arm(timeoutNanos);
    }

    /** The relay stopped reading for the client's sake: no wait is timed until it reads again. */
    void paused() {
        deadline.disarm();
    }

    /** The response is over (relayed whole, cut, or handed over): the pending task goes too. */
    void stop() {
        deadline.cancel();
    }
}
