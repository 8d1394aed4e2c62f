package dev.rampart.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import dev.rampart.core.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The buffered stdout appender behind the access log: a busy stream is written in whole buffers, a
 * quiet one still shows each line promptly, and stopping writes out every line without closing stdout.
 */
class BufferedStdoutAppenderTest {

    private final LoggerContext context = new LoggerContext();
    private final CountingStream target = new CountingStream();
    private BufferedStdoutAppender<ILoggingEvent> appender;

    @AfterEach
    void stop() {
        if (appender != null) {
            appender.stop();
        }
        context.stop();
    }

    @Test
    void aLoneLineIsFlushedByTheTimerWithoutAnotherLineOrAStop() throws InterruptedException {
        start(64 * 1024, 50);

        appender.doAppend(event("only line"));

        // The flush thread writes the bytes and then flushes: wait for both.
        Await.until(() -> !target.text().isEmpty() && target.flushes.get() >= 1, "the timed flush");
        assertEquals("only line\n", target.text());
        assertTrue(target.flushes.get() >= 1);
    }

    @Test
    void manyLinesInABurstAreWrittenInFarFewerWritesThanLines() {
        start(64 * 1024, 60_000); // no timed flush during the test: only a full buffer writes
        int lines = 10_000;
        for (int i = 0; i < lines; i++) {
            appender.doAppend(event("line " + i + " " + "x".repeat(80)));
        }

        assertTrue(target.writes.get() > 0, "a full buffer is written without waiting for the timer");
        assertTrue(target.writes.get() < lines / 100, "writes: " + target.writes.get());
        assertEquals(0, target.flushes.get());
    }

    @Test
    void stopWritesEveryBufferedLineAndLeavesTheTargetOpen() {
        start(64 * 1024, 60_000);
        for (int i = 0; i < 1000; i++) {
            appender.doAppend(event("line " + i));
        }
        assertTrue(target.text().length() < 1000 * "line 000\n".length(), "still buffered before stop");

        appender.stop();

        String[] written = target.text().split("\n");
        assertEquals(1000, written.length);
        for (int i = 0; i < 1000; i++) {
            assertEquals("line " + i, written[i]);
        }
        assertFalse(target.closed.get(), "stdout must stay open for the rest of the process");
    }

    private void start(int bufferSize, long flushDelayMillis) {
        context.setMDCAdapter(new LogbackMDCAdapter());
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        appender = new BufferedStdoutAppender<>(target);
        appender.setContext(context);
        appender.setName("test");
        appender.setEncoder(encoder);
        appender.setBufferSize(bufferSize);
        appender.setFlushDelayMillis(flushDelayMillis);
        appender.start();
        assertTrue(appender.isStarted());
    }

    private ILoggingEvent event(String message) {
        Logger logger = context.getLogger("test");
        return new LoggingEvent(Logger.class.getName(), logger, Level.INFO, message, null, null);
    }

    /** Records what reaches the target, and how: writes, flushes and whether it was closed. */
    private static final class CountingStream extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger flushes = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public synchronized void write(int b) {
            writes.incrementAndGet();
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.incrementAndGet();
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }

        @Override
        public void close() {
            closed.set(true);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
