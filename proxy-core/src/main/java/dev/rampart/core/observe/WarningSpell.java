package dev.rampart.core.observe;

import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * A warning for events that can come in floods (connections turned away, connections that do not speak the
 * listener's protocol): the first of a spell is logged at once, the ones within the spell after it in one line
 * at its end, so that an operator sees them without a flood of the log. The event loops race for the spell.
 */
public final class WarningSpell {

    private final Duration length;
    private final AtomicBoolean open = new AtomicBoolean();
    private final AtomicLong more = new AtomicLong();

    public WarningSpell(Duration length) {
        this.length = length;
    }

    public Duration length() {
        return length;
    }

    /**
     * One event: {@code first} logs it when it opens a spell; otherwise it is counted, and {@code rest} is
     * given the count at the spell's end (only when it is not zero), on {@code timer}.
     */
    public void occurred(EventExecutor timer, Runnable first, LongConsumer rest) {
        if (!open.compareAndSet(false, true)) {
            more.incrementAndGet();
            return;
        }
        first.run();
        try {
            timer.schedule(() -> {
                open.set(false);
                long counted = more.getAndSet(0);
                if (counted > 0) {
                    rest.accept(counted);
                }
            }, length.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException ending) {
            open.set(false); // the loop is shutting down: no spell to end, and the event that called is not failed
        }
    }
}
