package dev.rampart.server.observe;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;

/** Appenders as the access-log tests set up the {@value AccessLogObserver#LOGGER_NAME} logger with them. */
final class AccessLogAppenders {

    private AccessLogAppenders() {
    }

    /** {@code appender} in {@code context}, started. */
    static <A extends Appender<ILoggingEvent>> A started(A appender, LoggerContext context) {
        appender.setContext(context);
        appender.start();
        return appender;
    }

    /** A started batching appender named as logback.xml names it, draining into {@code out} 2 ms after a line. */
    static BatchingAsyncAppender batching(LoggerContext context, ListAppender<ILoggingEvent> out) {
        BatchingAsyncAppender batching = new BatchingAsyncAppender();
        batching.setContext(context);
        batching.setName("access");
        batching.setDrainDelayMillis(2);
        batching.addAppender(out);
        batching.start();
        return batching;
    }
}
