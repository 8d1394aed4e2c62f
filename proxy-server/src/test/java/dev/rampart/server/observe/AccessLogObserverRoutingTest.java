package dev.rampart.server.observe;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.read.ListAppender;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.server.TestJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.rampart.server.observe.AccessLogAppenders.batching;
import static dev.rampart.server.observe.AccessLogAppenders.started;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Where the access log's lines go when the {@value AccessLogObserver#LOGGER_NAME} logger is set up otherwise
 * than in the bundled logback.xml: only a batching appender that is the logger's sole way out is handed lines
 * directly; any other appender, a logger with none, or a configuration changed since gets them as logback
 * would route them.
 */
class AccessLogObserverRoutingTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger(AccessLogObserver.LOGGER_NAME);

    AccessLogObserverRoutingTest() {
        context.setMDCAdapter(new LogbackMDCAdapter());
        logger.setAdditive(false);
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void withASecondAppenderEveryLineReachesBothAppenders() {
        ListAppender<ILoggingEvent> behindTheQueue = started(new ListAppender<>(), context);
        ListAppender<ILoggingEvent> second = started(new ListAppender<>(), context);
        logger.addAppender(batching(context, behindTheQueue));
        logger.addAppender(second);

        AccessLogObserver.forLogger(logger).onExchangeComplete(record("req-1"));

        Await.until(() -> requestIds(behindTheQueue).size() == 1, "the line through the batching appender");
        assertEquals(List.of("req-1"), requestIds(behindTheQueue));
        assertEquals(List.of("req-1"), requestIds(second), "the second appender gets the line too");
    }

    @Test
    void aLoggerWithNoAppenderTakesLinesWithoutFailingAndPassesLaterOnesToAnAppenderAddedSince() {
        // additivity="false" and no appender-ref: an operator's way to turn the access log off in logback.xml.
        assertNull(AccessLogObserver.soleBatchingAppender(logger));

        AccessLogObserver observer = AccessLogObserver.forLogger(logger);
        observer.onExchangeComplete(record("req-2"));

        // An appender attached later (logback.xml changed) gets the lines from then on.
        ListAppender<ILoggingEvent> later = started(new ListAppender<>(), context);
        logger.addAppender(later);
        observer.onExchangeComplete(record("req-3"));
        assertEquals(List.of("req-3"), requestIds(later));
    }

    @Test
    void linesGoToTheAppendersOfALoggerReconfiguredAfterTheObserverWasMade() {
        ListAppender<ILoggingEvent> before = started(new ListAppender<>(), context);
        BatchingAsyncAppender batching = batching(context, before);
        logger.addAppender(batching);
        AccessLogObserver observer = AccessLogObserver.forLogger(logger);

        // What a reload of logback.xml does: the old appenders stopped and detached, the new ones attached.
        logger.detachAndStopAllAppenders();
        ListAppender<ILoggingEvent> after = started(new ListAppender<>(), context);
        logger.addAppender(after);
        observer.onExchangeComplete(record("req-4"));

        assertEquals(List.of("req-4"), requestIds(after));
        assertEquals(List.of(), requestIds(before));
    }

    private static ExchangeRecord record(String requestId) {
        return new ExchangeRecord(0, requestId, "10.0.0.7", "GET", "/", 200, null, "default", "app", "e", 1, 0, 0,
                1_000_000, 500_000);
    }

    private static List<Object> requestIds(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) { // AppenderBase appends under the appender's monitor
            return appender.list.stream().map(e -> TestJson.object(e.getFormattedMessage()).get("request_id")).toList();
        }
    }
}
