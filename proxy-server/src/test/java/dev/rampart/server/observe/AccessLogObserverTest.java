package dev.rampart.server.observe;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.read.ListAppender;
import dev.rampart.core.config.AccessLogConfig;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.testing.Await;
import dev.rampart.server.TestJson;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.rampart.server.observe.AccessLogAppenders.batching;
import static dev.rampart.server.observe.AccessLogAppenders.started;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogObserverTest {

    private final List<String> lines = new ArrayList<>();
    private final AccessLogObserver observer = new AccessLogObserver(lines::add);

    @Test
    void oneJsonObjectPerExchangeWithEveryFieldInOrder() {
        observer.onExchangeComplete(new ExchangeRecord(1_700_000_000_123L, "req-1", "10.0.0.7", "POST", "/orders?id=7",
                201, null, "default", "app", "127.0.0.1:8081", 2, 345, 6789, 12_345_678, 9_876_543, "shop.example.com",
                "curl/8.5.0", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));

        assertEquals(1, lines.size());
        Map<String, Object> json = TestJson.object(lines.get(0));
        assertEquals(List.of("time", "request_id", "client", "method", "path", "status", "reason", "route", "upstream",
                "endpoint", "attempts", "bytes_in", "bytes_out", "duration_ms", "upstream_ms", "host", "user_agent",
                "trace_id"),
                List.copyOf(json.keySet()));
        assertEquals("2023-11-14T22:13:20.123Z", json.get("time"));
        assertEquals("req-1", json.get("request_id"));
        assertEquals("10.0.0.7", json.get("client"));
        assertEquals("POST", json.get("method"));
        assertEquals("/orders?id=7", json.get("path"));
        assertEquals(201L, json.get("status"));
        assertNull(json.get("reason"));
        assertEquals("default", json.get("route"));
        assertEquals("app", json.get("upstream"));
        assertEquals("127.0.0.1:8081", json.get("endpoint"));
        assertEquals(2L, json.get("attempts"));
        assertEquals(345L, json.get("bytes_in"));
        assertEquals(6789L, json.get("bytes_out"));
        assertEquals(12.346, json.get("duration_ms"));
        assertEquals(9.877, json.get("upstream_ms"));
        assertEquals("shop.example.com", json.get("host"));
        assertEquals("curl/8.5.0", json.get("user_agent"));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", json.get("trace_id"), "the trace-id of the traceparent sent");
    }

    @Test
    void unknownUpstreamTimeAndAbsentNamesAreNull() {
        observer.onExchangeComplete(new ExchangeRecord(1_700_000_000_000L, "req-2", "10.0.0.7", "GET", "/nope",
                404, "ROUTE_NOT_FOUND", null, null, null, 0, 0, 120, 250_000, -1));

        Map<String, Object> json = TestJson.object(lines.get(0));
        assertEquals("2023-11-14T22:13:20.000Z", json.get("time"), "milliseconds are always written");
        assertEquals("ROUTE_NOT_FOUND", json.get("reason"));
        assertTrue(json.containsKey("route") && json.get("route") == null);
        assertTrue(json.containsKey("upstream_ms") && json.get("upstream_ms") == null);
        assertTrue(json.containsKey("user_agent") && json.get("user_agent") == null, "a request without one");
        assertTrue(json.containsKey("trace_id") && json.get("trace_id") == null, "nothing sent upstream");
        assertEquals(0.25, json.get("duration_ms"));
        assertTrue(lines.get(0).contains("\"duration_ms\":0.250"), lines.get(0));
    }

    @Test
    void clientControlledTextIsEscapedAndStaysOnOneLine() {
        String path = "/a\"b\\c\n{\"injected\":true}\r\u0000\u2028é😀";
        observer.onExchangeComplete(new ExchangeRecord(0, "id\"}", "::1", "GET", path,
                200, null, "default", "app", "e", 1, 0, 0, 1, 1, "h", "agent\"\n{\"injected\":true}", null));

        String line = lines.get(0);
        assertFalse(line.contains("\n") || line.contains("\r") || line.contains("\u2028"), line);
        Map<String, Object> json = TestJson.object(line);
        assertEquals("/a\"b\\c\\x0A{\"injected\":true}\\x0D\\x00\\u2028é😀", json.get("path"),
                "controls written as \\xHH (a JSON reader would turn \\u000a back into a line break)");
        assertEquals("id\"}", json.get("request_id"));
        assertEquals("agent\"\\x0A{\"injected\":true}", json.get("user_agent"));
        assertEquals(18, json.size());
    }

    @Test
    void millisecondsHaveExactlyThreeDecimalsAndNoExponent() {
        assertEquals("0.000", AccessLogFormat.millis(0));
        assertEquals("0.000", AccessLogFormat.millis(-5));
        assertEquals("0.001", AccessLogFormat.millis(1_000));
        assertEquals("0.010", AccessLogFormat.millis(10_000));
        assertEquals("1.500", AccessLogFormat.millis(1_499_500));
        assertEquals("86400000.000", AccessLogFormat.millis(86_400_000_000_000L));
    }

    @Test
    void disabledAccessLogIsNotAnObserver() {
        assertSame(ProxyObserver.NOOP, AccessLogObserver.forConfig(new AccessLogConfig(false)));
        assertInstanceOf(AccessLogObserver.class, AccessLogObserver.forConfig(new AccessLogConfig(true)));
    }

    @Test
    void theLoggerSinkWritesTheBareLineToRampartAccess() {
        Logger logger = (Logger) LoggerFactory.getLogger(AccessLogObserver.LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            AccessLogObserver.toLogger().onExchangeComplete(new ExchangeRecord(0, "req-3", "10.0.0.7", "GET", "/",
                    200, null, "default", "app", "e", 1, 0, 0, 1_000_000, 500_000));
        } finally {
            logger.detachAppender(appender);
        }
        assertEquals(1, appender.list.size());
        ILoggingEvent event = appender.list.get(0);
        assertEquals(ch.qos.logback.classic.Level.INFO, event.getLevel());
        assertEquals("req-3", TestJson.object(event.getFormattedMessage()).get("request_id"));
    }

    @Test
    void withTheBundledLayoutTheLineGoesStraightToTheBatchingAppenderAndArrivesTheSame() {
        LoggerContext context = newContext();
        try {
            ListAppender<ILoggingEvent> out = started(new ListAppender<>(), context);
            BatchingAsyncAppender batching = batching(context, out);
            Logger logger = context.getLogger(AccessLogObserver.LOGGER_NAME);
            logger.setAdditive(false);
            logger.addAppender(batching);
            assertSame(batching, AccessLogObserver.soleBatchingAppender(logger), "the direct path is taken");

            AccessLogObserver.forLogger(logger).onExchangeComplete(new ExchangeRecord(0, "req-4", "10.0.0.7", "GET",
                    "/", 200, null, "default", "app", "e", 1, 0, 0, 1_000_000, 500_000));

            Await.until(() -> size(out) == 1, "the line delivered");
            ILoggingEvent event;
            synchronized (out) {
                event = out.list.get(0);
            }
            assertEquals(ch.qos.logback.classic.Level.INFO, event.getLevel());
            assertEquals(AccessLogObserver.LOGGER_NAME, event.getLoggerName());
            assertEquals("req-4", TestJson.object(event.getFormattedMessage()).get("request_id"));
        } finally {
            context.stop();
        }
    }

    @Test
    void anyOtherSetupOfTheLoggerKeepsTheOrdinaryLoggingPath() {
        LoggerContext context = newContext();
        try {
            ListAppender<ILoggingEvent> out = started(new ListAppender<>(), context);
            Logger additive = context.getLogger("additive");
            additive.addAppender(batching(context, out));
            assertNull(AccessLogObserver.soleBatchingAppender(additive), "lines also go to the parent's appenders");

            Logger two = context.getLogger("two");
            two.setAdditive(false);
            two.addAppender(batching(context, out));
            two.addAppender(started(new ListAppender<>(), context));
            assertNull(AccessLogObserver.soleBatchingAppender(two), "a second appender");

            Logger plain = context.getLogger("plain");
            plain.setAdditive(false);
            plain.addAppender(started(new ListAppender<>(), context));
            assertNull(AccessLogObserver.soleBatchingAppender(plain), "not a batching appender");

            Logger filtered = context.getLogger("filtered");
            filtered.setAdditive(false);
            BatchingAsyncAppender withFilter = batching(context, out);
            withFilter.addFilter(new ch.qos.logback.core.filter.Filter<>() {
                @Override
                public ch.qos.logback.core.spi.FilterReply decide(ILoggingEvent event) {
                    return ch.qos.logback.core.spi.FilterReply.NEUTRAL;
                }
            });
            filtered.addAppender(withFilter);
            assertNull(AccessLogObserver.soleBatchingAppender(filtered), "the appender filters");

            Logger stopped = context.getLogger("stopped");
            stopped.setAdditive(false);
            BatchingAsyncAppender notStarted = batching(context, out);
            notStarted.stop();
            stopped.addAppender(notStarted);
            assertNull(AccessLogObserver.soleBatchingAppender(stopped), "the appender is not started");

            Logger sole = context.getLogger("sole");
            sole.setAdditive(false);
            sole.addAppender(batching(context, out));
            context.addTurboFilter(new ch.qos.logback.classic.turbo.MarkerFilter());
            assertNull(AccessLogObserver.soleBatchingAppender(sole), "a turbo filter may decide on every line");
        } finally {
            context.stop();
        }
    }

    private static LoggerContext newContext() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        return context;
    }

    private static int size(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return appender.list.size();
        }
    }

    @Test
    void aUserAgentInUtf8IsReadAsUtf8AndOtherBytesAboveAsciiAreWrittenAsHex() {
        String utf8AsLatin1 = new String("caf\u00e9 \u2603".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        observer.onExchangeComplete(new ExchangeRecord(0, "id", "::1", "GET", "/", 200, null, "default", "app", "e", 1,
                0, 0, 1, 1, "h\u00e9", utf8AsLatin1, null));
        observer.onExchangeComplete(new ExchangeRecord(0, "id", "::1", "GET", "/", 200, null, "default", "app", "e", 1,
                0, 0, 1, 1, "h", "ctl\u00c2\u0085", null));
        Map<String, Object> first = TestJson.object(lines.get(0));
        assertEquals("caf\u00e9 \u2603", first.get("user_agent"));
        assertEquals("h\\xE9", first.get("host"), "a lone Latin-1 byte is no UTF-8: written as \\xHH");
        assertEquals("ctl\\x85", TestJson.object(lines.get(1)).get("user_agent"),
                "a C1 control character in UTF-8 is written as \\xHH too");
    }

    @Test
    void theRawPathOfARefusedRequestIsWrittenAsReadableTextWithoutLiveControls() {
        // Refused before it was put in normal form, the path is as the client sent it: an escape sequence that
        // retitles a terminal, a C1 control in UTF-8, raw UTF-8 and a tab.
        observer.onExchangeComplete(new ExchangeRecord(0, "id", "::1", "GET", "/\u001b]0;pwned\u0007/a\u00c2\u009bb"
                + "/caf\u00c3\u00a9\t", 400, "BAD_REQUEST", null, null, null, 0, 0, 0, 1, -1, null, null, null));
        Map<String, Object> line = TestJson.object(lines.get(0));
        assertEquals("/\\x1B]0;pwned\\x07/a\\x9Bb/caf\u00e9\\x09", line.get("path"));
    }
}
