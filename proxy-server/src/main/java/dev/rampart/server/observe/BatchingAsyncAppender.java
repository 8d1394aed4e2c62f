package dev.rampart.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import com.github.benmanes.caffeine.cache.Ticker;
import org.jctools.queues.MpscArrayQueue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An asynchronous appender for the access log that costs an event loop one lock-free queue offer per
 * line. Logback's {@code AsyncAppender} puts every line through an {@code ArrayBlockingQueue}: one lock
 * shared by all event loops and, whenever its worker has caught up and waits, a thread wake-up (a
 * system call) paid by the event loop that logs the next line. Here the event loops only offer to a
 * bounded multi-producer queue; the first line after the queue was drained schedules one drain
 * {@link #setDrainDelayMillis drainDelayMillis} later on this appender's own thread, which then hands
 * every queued line to the attached appenders in one batch. A quiet proxy schedules nothing; a busy
 * one wakes the drain thread about once per delay, or earlier when the queue is half full.
 *
 * <p>It never blocks: when the queue is full a line is dropped, counted, and the count is reported
 * as a WARN on the application log at the next drain, so no line is lost silently; while the drain
 * is stuck writing (a stdout nobody reads), a thread of its own tells of them meanwhile, at most once
 * every 10 s ({@link DroppedLineWarnings}). {@link #stop()}
 * drains what is queued and stops the attached appenders within {@link #setMaxFlushTimeMillis
 * maxFlushTimeMillis}, and reports on stderr what it could not write.
 *
 * <p>Unlike Logback's {@code AsyncAppender}, it does not format an event's message on the logging
 * thread: the attached appenders format it on the drain thread, so building a line costs the event
 * loops nothing (the access log passes a {@link DeferredAccessLogLine}). The arguments of a message
 * logged through this appender must therefore be immutable, as the access log's records are.
 */
public class BatchingAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
        implements AppenderAttachable<ILoggingEvent> {

    static final int DEFAULT_QUEUE_SIZE = 16_384;
    static final long DEFAULT_DRAIN_DELAY_MILLIS = 2;
    static final long DEFAULT_MAX_FLUSH_TIME_MILLIS = 2_000;
    /**
     * The stop report's time and logger in the application log's own form (logback.xml's pattern: milliseconds in UTC,
     * the logger name cut to 36 characters), so that a log shipper's one parser reads that line too: Instant's own text
     * has from none to nine decimals.
     */
    private static final DateTimeFormatter REPORT_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String REPORT_LOGGER =
            new TargetLengthBasedClassNameAbbreviator(36).abbreviate(BatchingAsyncAppender.class.getName());

    private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean earlyDrainRequested = new AtomicBoolean();
    private final AtomicLong droppedSinceReport = new AtomicLong();
    private final AtomicLong droppedTotal = new AtomicLong();
    private int queueSize = DEFAULT_QUEUE_SIZE;
    private long drainDelayMillis = DEFAULT_DRAIN_DELAY_MILLIS;
    private long maxFlushTimeMillis = DEFAULT_MAX_FLUSH_TIME_MILLIS;
    /** Logging events, and {@link DeferredLine}s that become events on the drain thread. */
    private Queue<Object> queue;
    private int earlyDrainThreshold;
    private ScheduledExecutorService drainer;
    private Ticker ticker = Ticker.systemTicker();
    private DroppedLineWarnings droppedLineWarnings;

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    public int getQueueSize() {
        return queueSize;
    }

    /** The longest a line waits in the queue when the queue is not filling up. */
    public void setDrainDelayMillis(long drainDelayMillis) {
        this.drainDelayMillis = drainDelayMillis;
    }

    public long getDrainDelayMillis() {
        return drainDelayMillis;
    }

    public void setMaxFlushTimeMillis(long maxFlushTimeMillis) {
        this.maxFlushTimeMillis = maxFlushTimeMillis;
    }

    public long getMaxFlushTimeMillis() {
        return maxFlushTimeMillis;
    }

    /** Where the warnings of drops while the drain is stuck read the time (tests move it); set before the start. */
    void setTicker(Ticker ticker) {
        this.ticker = ticker;
    }

    /**
     * Lines dropped since start: because the queue was full, or because no attached appender could take them any
     * more (stdout gone: logback stops an output appender at its first failed write, and drops what it gets after).
     */
    public long droppedCount() {
        return droppedTotal.get();
    }

    @Override
    public void start() {
        if (queueSize < 2 || drainDelayMillis <= 0) {
            addError("queueSize must be at least 2 and drainDelayMillis positive for appender [" + name + "]");
            return;
        }
        queue = new MpscArrayQueue<>(queueSize);
        earlyDrainThreshold = queueSize / 2;
        drainer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "rampart-log-" + name);
            thread.setDaemon(true);
            return thread;
        });
        droppedLineWarnings = new DroppedLineWarnings("rampart-log-" + name + "-drops", droppedSinceReport,
                this::reportDroppedMeanwhile, ticker);
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        // The thread name and MDC belong to the logging thread, so they are taken here; the message is
        // formatted on the drain thread (see the class comment).
        event.getThreadName();
        event.getMDCPropertyMap();
        enqueue(event);
    }

    /**
     * Queues, at INFO of {@code logger}, the line whose message is the text of {@code argument}, without a
     * logging event: that is made on the drain thread, with this thread's name and this moment's time, and
     * {@code argument}'s {@code toString()} is called there. When this appender is the logger's only one and
     * has no filters, the line written is the one {@code logger.info("{}", argument)} would write, at a
     * fraction of the cost to the calling thread (the access log's event loops: docs/performance.md).
     * Dropped, as by logback, when the appender is not started.
     */
    public void appendDeferred(Logger logger, Object argument) {
        if (isStarted()) {
            enqueue(new DeferredLine(logger, argument, Thread.currentThread().getName(), System.currentTimeMillis()));
        }
    }

    /** A line queued by {@link #appendDeferred}: what its logging event will be made of. */
    private record DeferredLine(Logger logger, Object argument, String threadName, long timeStamp) {
        /**
         * The event, its message the argument's text: the formatted message {@code "{}"} and the argument
         * would give, without putting the line through logback's message formatter, which copies it twice
         * more (about a quarter of the drain thread's garbage per access-log line: docs/performance.md).
         */
        ILoggingEvent toEvent() {
            LoggingEvent event = new LoggingEvent(Logger.FQCN, logger, Level.INFO, String.valueOf(argument), null, null);
            event.setThreadName(threadName);
            event.setTimeStamp(timeStamp);
            return event;
        }
    }

    private void enqueue(Object event) {
        if (!queue.offer(event)) {
            droppedSinceReport.incrementAndGet();
            droppedTotal.incrementAndGet();
            droppedLineWarnings.dropped();
            requestEarlyDrain();
            return;
        }
        if (!drainScheduled.get()) {
            requestDrain();
        } else if (queue.size() >= earlyDrainThreshold) {
            requestEarlyDrain();
        }
    }

    private void requestDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                drainer.schedule(this::drain, drainDelayMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                drainScheduled.set(false); // stop() drains what is left
            }
        }
    }

    /** A drain is scheduled but the queue is filling faster than the delay allows: drain now as well. */
    private void requestEarlyDrain() {
        if (earlyDrainRequested.compareAndSet(false, true)) {
            try {
                drainer.execute(this::drain);
            } catch (RejectedExecutionException stopping) {
                earlyDrainRequested.set(false); // stop() drains what is left
            }
        }
    }

    /** Hands every queued line to the attached appenders; runs on the drain thread. */
    private void drain() {
        long dropped = drainQueue();
        if (dropped > 0 && isStarted()) {
            reportDropped(dropped);
        } else if (dropped > 0) { // a drain that ends during stop(): logback's stderr appender may be gone
            reportAtStop(queueFullMessage(dropped));
        }
    }

    /** Hands every queued line to the attached appenders; returns the lines dropped since the last report. */
    private synchronized long drainQueue() {
        drainScheduled.set(false); // before polling: a line offered from now on schedules another drain
        earlyDrainRequested.set(false);
        boolean writable = anyAttachedStarted();
        Object entry;
        while ((entry = queue.poll()) != null) {
            if (writable) {
                appenders.appendLoopOnAppenders(entry instanceof DeferredLine line ? line.toEvent() : (ILoggingEvent) entry);
                if (!anyAttachedStarted()) {
                    // Its write failed (stdout's reader gone): logback stopped the appender, and this line and
                    // the rest of the batch are lost.
                    writable = false;
                    droppedTotal.incrementAndGet();
                }
            } else {
                droppedTotal.incrementAndGet(); // its appender told of the failure once, as an ERROR
            }
        }
        return droppedSinceReport.getAndSet(0);
    }

    /** Whether an attached appender still takes lines; during stop() they are delivered as ever. */
    private boolean anyAttachedStarted() {
        if (!isStarted()) {
            return true;
        }
        java.util.Iterator<ch.qos.logback.core.Appender<ILoggingEvent>> attached = appenders.iteratorForAppenders();
        while (attached.hasNext()) {
            if (attached.next().isStarted()) {
                return true;
            }
        }
        return false;
    }

    private String droppedMessage(long dropped, String why) {
        return dropped + " line(s) of appender [" + name + "] dropped: " + why;
    }

    private String queueFullMessage(long dropped) {
        return droppedMessage(dropped, "its queue of " + queueSize + " was full");
    }

    /** Drops taken while the drain is stuck: once stopping, given back to the stop's own report. */
    private void reportDroppedMeanwhile(long dropped) {
        if (isStarted()) {
            reportDropped(dropped);
        } else {
            droppedSinceReport.addAndGet(dropped);
        }
    }

    private void reportDropped(long dropped) {
        String message = queueFullMessage(dropped);
        if (getContext() instanceof LoggerContext loggers) {
            loggers.getLogger(BatchingAsyncAppender.class).warn(message);
        } else {
            addWarn(message);
        }
    }

    /**
     * Drains what is queued and stops the attached appenders, within {@link #setMaxFlushTimeMillis
     * maxFlushTimeMillis} in all: a stdout whose reader is slow or has stopped reading must not hold the
     * process past its shutdown (an orchestrator would kill it, and lose the rest anyway). The last work
     * runs on a thread of its own, which is left behind (a daemon) when the time is up; whatever it had
     * not written is counted, once: a drain that ends later reports only the drops that came after. Lines
     * dropped are reported on stderr directly: logback's own stderr appender may already be stopped when
     * this runs, late in the shutdown.
     */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        droppedLineWarnings.stop();
        drainer.shutdownNow(); // a drain already running finishes; a pending one is replaced by the last one
        long[] droppedAtStop = new long[1];
        Thread last = new Thread(() -> {
            try {
                drainer.awaitTermination(maxFlushTimeMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            droppedAtStop[0] = drainQueue();
            appenders.detachAndStopAllAppenders();
        }, "rampart-log-" + name + "-stop");
        last.setDaemon(true);
        last.start();
        try {
            last.join(maxFlushTimeMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (last.isAlive()) {
            // Taken, not read: the stuck drain may still end while the process lives on, and must not report
            // these drops a second time.
            long unwritten = queue.size() + droppedSinceReport.getAndSet(0);
            reportAtStop(droppedMessage(unwritten, "not written within " + maxFlushTimeMillis
                    + " ms of the stop (output too slow, or no longer read); lines in the writer's buffer may be lost"
                    + " as well"));
        } else if (droppedAtStop[0] > 0) {
            reportAtStop(queueFullMessage(droppedAtStop[0]));
        }
    }

    private void reportAtStop(String message) {
        addWarn(message);
        System.err.println(REPORT_TIME.format(Instant.now()) + " WARN  [" + Thread.currentThread().getName() + "] "
                + REPORT_LOGGER + " - " + message);
        System.err.flush();
    }

    // ---- AppenderAttachable ------------------------------------------------------------------------

    @Override
    public void addAppender(Appender<ILoggingEvent> newAppender) {
        appenders.addAppender(newAppender);
    }

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return appenders.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return appenders.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return appenders.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        appenders.detachAndStopAllAppenders();
    }

    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return appenders.detachAppender(appender);
    }

    @Override
    public boolean detachAppender(String name) {
        return appenders.detachAppender(name);
    }
}
