package dev.rampart.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A {@link BatchingAsyncAppender} in a logger context of its own, a list appender behind it, stopped after each test. */
abstract class BatchingAppenderFixture {

    protected final LoggerContext context = new LoggerContext();
    protected final ListAppender<ILoggingEvent> target = new ListAppender<>();
    /** Set by {@link #start}; a test that stops it itself sets it back to null. */
    protected BatchingAsyncAppender async;
    /**
     * The appender's ticker, in nanoseconds: it stands still unless a test moves it, so that no warning of drops
     * while the drain is stuck comes between a test's steps on a slow machine.
     */
    protected final AtomicLong nanos = new AtomicLong();

    @BeforeEach
    void context() {
        context.setMDCAdapter(new LogbackMDCAdapter());
    }

    @AfterEach
    void stop() {
        if (async != null) {
            async.stop();
        }
        context.stop();
    }

    protected void start(int queueSize, long drainDelayMillis, Appender<ILoggingEvent> child) {
        child.setContext(context);
        child.start();
        async = new BatchingAsyncAppender();
        async.setContext(context);
        async.setName("test");
        async.setQueueSize(queueSize);
        async.setDrainDelayMillis(drainDelayMillis);
        async.addAppender(child);
        async.setTicker(nanos::get);
        async.start();
        assertTrue(async.isStarted());
    }

    protected ILoggingEvent event(String message) {
        Logger logger = context.getLogger("test");
        return new LoggingEvent(Logger.class.getName(), logger, Level.INFO, message, null, null);
    }

    protected static List<String> lines(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) { // AppenderBase appends under the appender's monitor
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
