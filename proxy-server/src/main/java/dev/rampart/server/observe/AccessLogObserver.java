package dev.rampart.server.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import dev.rampart.core.config.AccessLogConfig;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Writes one JSON line per finished exchange (PRODUCT.md §3.7). In production the line goes to the SLF4J
 * logger {@value #LOGGER_NAME} as a {@link DeferredAccessLogLine}: the bundled {@code logback.xml} routes
 * it through a {@link BatchingAsyncAppender}, which builds the JSON on its own drain thread rather than on
 * the event loop that finished the exchange, to a {@link BufferedStdoutAppender}, so a slow stdout drops
 * (and reports) lines rather than stalling an event loop. With that configuration the line skips the
 * logger and is handed to the appender directly, so the event loop does not build a logging event either.
 * Tests pass their own sink, which receives each line already built, and read the lines directly.
 */
public final class AccessLogObserver implements ProxyObserver {

    /** The logger the access log is written to. */
    public static final String LOGGER_NAME = "rampart.access";

    private final AccessLogFormat format = new AccessLogFormat();
    private final Consumer<ExchangeRecord> writer;
    private final BooleanSupplier enabled;

    /** Hands every line (without a line terminator) to {@code sink}, which must not block. */
    public AccessLogObserver(Consumer<String> sink) {
        Objects.requireNonNull(sink, "sink");
        this.writer = record -> sink.accept(format.format(record));
        this.enabled = () -> true;
    }

    private AccessLogObserver(Logger logger) {
        BatchingAsyncAppender direct = soleBatchingAppender(logger);
        this.writer = record -> {
            DeferredAccessLogLine line = new DeferredAccessLogLine(format, record);
            if (direct != null && direct.isStarted()) {
                direct.appendDeferred((ch.qos.logback.classic.Logger) logger, line);
            } else {
                logger.info("{}", line); // any other setup, or logging reconfigured since: logback routes it
            }
        };
        this.enabled = logger::isInfoEnabled;
    }

    /**
     * Writes to the {@value #LOGGER_NAME} logger at INFO; no line is built while that level is off, and
     * the line is built only when an appender asks for the event's message. When the logger's only
     * appender is a {@link BatchingAsyncAppender} (the bundled configuration), the line is handed to it
     * directly: the logging event is then made on its drain thread, not on the event loop.
     */
    public static AccessLogObserver toLogger() {
        return forLogger(LoggerFactory.getLogger(LOGGER_NAME));
    }

    static AccessLogObserver forLogger(Logger logger) {
        return new AccessLogObserver(logger);
    }

    /**
     * The appender a line of {@code logger} would reach, and nothing else would, when that is a started
     * {@link BatchingAsyncAppender} without filters and no turbo filter could intervene; else null.
     */
    static BatchingAsyncAppender soleBatchingAppender(Logger logger) {
        if (!(logger instanceof ch.qos.logback.classic.Logger logback) || logback.isAdditive()
                || !logback.getLoggerContext().getTurboFilterList().isEmpty()) {
            return null;
        }
        Iterator<Appender<ILoggingEvent>> appenders = logback.iteratorForAppenders();
        if (!appenders.hasNext()) {
            return null;
        }
        Appender<ILoggingEvent> only = appenders.next();
        if (appenders.hasNext() || !(only instanceof BatchingAsyncAppender batching) || !batching.isStarted()
                || !batching.getCopyOfAttachedFiltersList().isEmpty()) {
            return null;
        }
        return batching;
    }

    /** {@link #toLogger()} when {@code access-log.enabled}, else {@link ProxyObserver#NOOP}. */
    public static ProxyObserver forConfig(AccessLogConfig config) {
        return config.enabled() ? toLogger() : ProxyObserver.NOOP;
    }

    @Override
    public void onExchangeComplete(ExchangeRecord record) {
        if (enabled.getAsBoolean()) {
            writer.accept(record);
        }
    }
}
