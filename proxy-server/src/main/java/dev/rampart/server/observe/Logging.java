package dev.rampart.server.observe;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The end of logging at shutdown. The access log goes through an asynchronous appender, so lines of the
 * last requests may still be queued when the proxy has finished draining; stopping logback flushes them
 * (for up to the appender's {@code maxFlushTime}). The bundled config registers no shutdown hook of its
 * own on purpose: one running beside the proxy's graceful shutdown would stop logging while in-flight
 * requests are still finishing.
 */
public final class Logging {

    /** The access log's logger and its queueing appender, as logback.xml names them. */
    private static final String ACCESS_LOGGER = "rampart.access";
    private static final String ACCESS_APPENDER = "ACCESS";

    private Logging() {
    }

    /**
     * The queue of the bundled config's access log, which counts the lines it dropped; empty when logging
     * is configured otherwise (no such appender).
     */
    public static java.util.Optional<BatchingAsyncAppender> accessLogQueue() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context && context.getLogger(ACCESS_LOGGER)
                .getAppender(ACCESS_APPENDER) instanceof BatchingAsyncAppender queue) {
            return java.util.Optional.of(queue);
        }
        return java.util.Optional.empty();
    }

    /** Flushes queued log lines and stops logback; call last, from the shutdown thread, never an event loop. */
    public static void flushAndStop() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            context.stop();
        }
    }
}
