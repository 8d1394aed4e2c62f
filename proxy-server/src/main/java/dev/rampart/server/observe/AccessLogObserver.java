package dev.rampart.server.observe;

import dev.rampart.core.config.AccessLogConfig;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Writes one JSON line per finished exchange (PRODUCT.md §3.7). The line is built here, on the event
 * loop that finished the exchange (a few microseconds, no locks), and handed to a sink; in production
 * the sink is the SLF4J logger {@value #LOGGER_NAME}, which the bundled {@code logback.xml} routes through
 * a {@link BatchingAsyncAppender} to a {@link BufferedStdoutAppender}, so a slow stdout drops (and
 * reports) lines rather than stalling an event loop. Tests pass their own sink and read the lines directly.
 */
public final class AccessLogObserver implements ProxyObserver {

    /** The logger the access log is written to. */
    public static final String LOGGER_NAME = "rampart.access";

    private final AccessLogFormat format = new AccessLogFormat();
    private final Consumer<String> sink;
    private final BooleanSupplier enabled;

    /** Hands every line (without a line terminator) to {@code sink}, which must not block. */
    public AccessLogObserver(Consumer<String> sink) {
        this(sink, () -> true);
    }

    private AccessLogObserver(Consumer<String> sink, BooleanSupplier enabled) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.enabled = enabled;
    }

    /** Writes to the {@value #LOGGER_NAME} logger at INFO; no line is built while that level is off. */
    public static AccessLogObserver toLogger() {
        Logger logger = LoggerFactory.getLogger(LOGGER_NAME);
        return new AccessLogObserver(logger::info, logger::isInfoEnabled);
    }

    /** {@link #toLogger()} when {@code access-log.enabled}, else {@link ProxyObserver#NOOP}. */
    public static ProxyObserver forConfig(AccessLogConfig config) {
        return config.enabled() ? toLogger() : ProxyObserver.NOOP;
    }

    @Override
    public void onExchangeComplete(ExchangeRecord record) {
        if (enabled.getAsBoolean()) {
            sink.accept(format.format(record));
        }
    }
}
