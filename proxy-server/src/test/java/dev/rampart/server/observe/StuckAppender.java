package dev.rampart.server.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An appender whose appends block until released (10 s at most), like a write to a stdout nobody reads:
 * an interrupt does not end the wait, as it does not end a blocked write.
 */
final class StuckAppender extends AppenderBase<ILoggingEvent> {
    private final CountDownLatch arrived;
    private final CountDownLatch release;
    private volatile Thread firstWriter;

    StuckAppender(CountDownLatch arrived, CountDownLatch release) {
        this.arrived = arrived;
        this.release = release;
    }

    /** The thread that wrote the first line (a drain thread), or null before it. */
    Thread firstWriter() {
        return firstWriter;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (firstWriter == null) {
            firstWriter = Thread.currentThread();
        }
        arrived.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean interrupted = false;
        while (release.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
