package dev.rampart.core.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Collects every log event of the running JVM (root logger) while open, so a test can assert what
 * was, or was not, logged at ERROR. Close it to detach.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture() {
        appender.setContext(root.getLoggerContext());
        appender.start();
        root.addAppender(appender);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    /** Every event at ERROR so far. */
    public List<ILoggingEvent> errors() {
        synchronized (appender) {
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
                    .collect(Collectors.toList());
        }
    }

    /** Every event at WARN (exactly) so far. */
    public List<ILoggingEvent> warnings() {
        synchronized (appender) {
            return appender.list.stream().filter(e -> e.getLevel() == Level.WARN).collect(Collectors.toList());
        }
    }

    /** Every event so far, at any level. */
    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** Every event so far, as "LEVEL logger - message" lines, for failure messages. */
    public String dump() {
        synchronized (appender) {
            return appender.list.stream()
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage())
                    .collect(Collectors.joining("\n"));
        }
    }

    /** The first line of {@link #dump} that contains {@code text}, waited for up to 10 s ({@code what} it is). */
    public String awaitLine(String text, String what) {
        Await.until(() -> dump().contains(text), what);
        return dump().lines().filter(l -> l.contains(text)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
