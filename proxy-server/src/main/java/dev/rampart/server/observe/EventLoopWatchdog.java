package dev.rampart.server.observe;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Notices an event loop that has stopped turning: a handler blocked on a lock, a file or a slow call, or spinning
 * in a loop of its own. Every connection of that loop then waits without an error or a log line, and
 * {@code /healthz}, served by the admin server's own thread, still answers 200. Like Envoy's watchdog
 * ({@code server.watchdog_miss}), this says so: a loop whose heartbeat task has waited longer than
 * {@code stallAfter} is reported once, with what its thread is doing (the stack that blocks it), and again when
 * it turns again.
 *
 * <p>Each {@link #check()} (the server runs one a second on a thread of its own) queues a heartbeat on every
 * loop that has none waiting and looks at how long the waiting ones have waited. A loop that is merely busy runs
 * its queued tasks between rounds of I/O, within milliseconds. A stop-the-world pause (or a SIGSTOP) stalls every
 * thread, this one too, so it is seldom reported: the heartbeat queued before it has almost always run already, and
 * the one queued after it runs at once.
 */
public final class EventLoopWatchdog {

    /** Told of stalls and recoveries, on the checking thread. */
    public interface Listener {
        /** {@code thread}'s loop has not turned for {@code stalledFor}; {@code stack} is where it is now. */
        void stalled(String thread, Duration stalledFor, StackTraceElement[] stack);

        /** {@code thread}'s loop turned again after {@code stalledFor}. */
        void recovered(String thread, Duration stalledFor);
    }

    private final List<Heartbeat> heartbeats = new ArrayList<>();
    private final Ticker ticker;
    private final long stallAfterNanos;
    private final Listener listener;

    public EventLoopWatchdog(List<EventLoopGroup> groups, Ticker ticker, Duration stallAfter, Listener listener) {
        this.ticker = ticker;
        this.stallAfterNanos = stallAfter.toNanos();
        this.listener = listener;
        for (EventLoopGroup group : groups) {
            for (EventExecutor loop : group) {
                heartbeats.add(new Heartbeat(loop, heartbeats.size() + 1));
            }
        }
    }

    /**
     * Checks every {@code every} on a daemon thread of its own (not an event loop: it would stall with them)
     * until the returned stop is run.
     */
    public Runnable runEvery(Duration every) {
        ScheduledExecutorService checker =
                Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("rampart-watchdog", true));
        checker.scheduleWithFixedDelay(this::checkOrLog, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
        return checker::shutdownNow;
    }

    private void checkOrLog() {
        try {
            check();
        } catch (RuntimeException e) {
            // A check that throws would end the schedule: say so, and keep watching.
            LoggerFactory.getLogger(EventLoopWatchdog.class).error("event loop watchdog check failed", e);
        }
    }

    /** Looks at every loop once; not thread-safe: one checking thread. */
    public void check() {
        long now = ticker.read();
        for (Heartbeat beat : heartbeats) {
            beat.check(now);
        }
    }

    /** One loop's heartbeat: a task queued on it, and when it was queued and last ran. */
    private final class Heartbeat {
        private final EventExecutor loop;
        /** The loop's thread, known once a heartbeat has run on it. */
        private volatile Thread thread;
        /** When the waiting heartbeat was queued; meaningful while {@link #waiting}. */
        private long queuedAt;
        private volatile boolean waiting;
        /** When the heartbeat that ended a reported stall ran; set on the loop. */
        private volatile long ranAt;
        private boolean reported;
        private boolean retired;

        /** Its place among the watched loops, to name it by before its thread is known. */
        private final int number;

        Heartbeat(EventExecutor loop, int number) {
            this.loop = loop;
            this.number = number;
        }

        void check(long now) {
            if (retired) {
                return;
            }
            if (waiting) {
                long waited = now - queuedAt;
                if (!reported && waited > stallAfterNanos) {
                    reported = true;
                    Thread stuck = thread; // null: stuck before its first heartbeat, so its thread is not known
                    listener.stalled(stuck == null ? "number " + number : stuck.getName(), Duration.ofNanos(waited),
                            stuck == null ? new StackTraceElement[0] : stuck.getStackTrace());
                }
                return;
            }
            if (reported) {
                reported = false;
                listener.recovered(thread.getName(), Duration.ofNanos(ranAt - queuedAt)); // ran() set the thread
            }
            queue(now);
        }

        private void queue(long now) {
            if (loop.isShuttingDown()) {
                retired = true; // the server is stopping: a loop that ends is not a stalled one
                return;
            }
            queuedAt = now;
            waiting = true;
            try {
                loop.execute(this::ran);
            } catch (RejectedExecutionException e) {
                retired = true;
                waiting = false;
            }
        }

        private void ran() {
            thread = Thread.currentThread();
            ranAt = ticker.read();
            waiting = false;
        }
    }
}
