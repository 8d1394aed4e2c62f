package dev.rampart.server.observe;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled {@code logback.xml}, loaded into a context of its own: the access log must go to stdout as
 * bare lines through an appender that never blocks an event loop, and nothing else may reach stdout.
 */
class LogbackConfigTest {

    private final LoggerContext context = new LoggerContext();

    @BeforeEach
    void load() throws JoranException {
        URL config = getClass().getClassLoader().getResource("logback.xml");
        assertNotNull(config, "logback.xml is bundled");
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void accessLogIsAsynchronousAndBufferedWithPromptFlushes() {
        Logger access = context.getLogger(AccessLogObserver.LOGGER_NAME);
        assertFalse(access.isAdditive(), "access lines must not reach the application log");
        assertTrue(access.isInfoEnabled());
        BatchingAsyncAppender async = assertInstanceOf(BatchingAsyncAppender.class, only(access));
        assertTrue(async.isStarted());
        assertTrue(async.getDrainDelayMillis() <= 500, "a queued line is written out promptly");

        List<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> targets = new ArrayList<>();
        async.iteratorForAppenders().forEachRemaining(targets::add);
        assertEquals(1, targets.size());
        BufferedStdoutAppender<?> stdout = assertInstanceOf(BufferedStdoutAppender.class, targets.get(0));
        assertTrue(stdout.isStarted());
        assertFalse(stdout.isImmediateFlush(), "stdout is flushed per buffer, not per line");
        assertTrue(stdout.getFlushDelayMillis() <= 1000, "a line reaches stdout within a second");
        LineEncoder encoder = assertInstanceOf(LineEncoder.class, stdout.getEncoder());
        assertTrue(encoder.isStarted());
        ch.qos.logback.classic.spi.LoggingEvent line = new ch.qos.logback.classic.spi.LoggingEvent(
                Logger.FQCN, access, ch.qos.logback.classic.Level.INFO, "{\"status\":200}", null, null);
        assertEquals("{\"status\":200}\n", new String(encoder.encode(line), java.nio.charset.StandardCharsets.UTF_8),
                "the bare line and a line feed");
        assertEquals(null, encoder.headerBytes());
    }

    @Test
    void applicationLogsGoToStderrThroughAQueueThatNeverBlocks() {
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        // Lines are logged from the event loops: a stderr nobody reads must not hold them (UnreadStderrIT).
        ch.qos.logback.classic.AsyncAppender async = assertInstanceOf(ch.qos.logback.classic.AsyncAppender.class,
                only(root));
        assertTrue(async.isNeverBlock());
        assertEquals(0, async.getDiscardingThreshold(), "no INFO line is dropped before the queue is full");
        List<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> targets = new ArrayList<>();
        async.iteratorForAppenders().forEachRemaining(targets::add);
        assertEquals(1, targets.size());
        ConsoleAppender<?> console = assertInstanceOf(ConsoleAppender.class, targets.get(0));
        assertEquals("System.err", console.getTarget());
        assertTrue(root.isInfoEnabled());
        assertFalse(root.isDebugEnabled());
    }

    @Test
    void aTlsClientThatStopsReadingIsNotAWarningOfTheProxys() {
        Logger ssl = context.getLogger("io.netty.handler.ssl.SslHandler");
        assertFalse(ssl.isWarnEnabled(), "\"Last write attempt timed out; force-closing the connection\"");
        assertTrue(ssl.isErrorEnabled());
    }

    private static Appender<ch.qos.logback.classic.spi.ILoggingEvent> only(Logger logger) {
        List<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> appenders = new ArrayList<>();
        logger.iteratorForAppenders().forEachRemaining(appenders::add);
        assertEquals(1, appenders.size(), "appenders of " + logger.getName());
        return appenders.get(0);
    }
}
