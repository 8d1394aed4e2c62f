package dev.rampart.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.status.Status;
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

    @Test
    void aStdoutThatCannotBeWrittenIsToldOnceOnTheApplicationLog() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }
        };
        try (dev.rampart.core.testing.LogCapture log = dev.rampart.core.testing.LogCapture.start()) {
            start(16, 60_000, broken); // a buffer of 16 bytes: the first lines fill it and are written
            for (int i = 0; i < 10; i++) {
                appender.doAppend(event("line " + i + " of the access log"));
            }
            appender.stop();

            java.util.List<ILoggingEvent> errors = log.errors();
            assertEquals(1, errors.size(), log.dump());
            assertTrue(errors.get(0).getFormattedMessage().contains("Broken pipe"), log.dump());
            assertTrue(errors.get(0).getFormattedMessage().contains("lines are lost"), log.dump());
        }
    }

    @Test
    void aFailedFlushStopsTheAppenderSoThatTheLinesAfterItAreCountedAsDropped() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }
        };
        try (dev.rampart.core.testing.LogCapture log = dev.rampart.core.testing.LogCapture.start()) {
            start(64 * 1024, 5, broken); // the line fits in the buffer: only the timer's flush meets the failure
            appender.doAppend(event("the line the reader never got"));
            // The flush thread stops the appender, then tells why: wait for both, or the telling lands in the next
            // test's capture.
            dev.rampart.core.testing.Await.until(() -> !appender.isStarted() && !log.errors().isEmpty(),
                    "stopped by the failed flush, and told");
            appender.stop(); // ends its timer thread
        }
    }

    @Test
    void aFailedTimedFlushIsToldOnceOnTheApplicationLogAndInLogbacksStatus() {
        OutputStream closedStdout = new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Stream closed");
            }
        };
        try (dev.rampart.core.testing.LogCapture log = dev.rampart.core.testing.LogCapture.start()) {
            start(64 * 1024, 5, closedStdout); // the lines fit in the buffer: only the timer's flush meets the failure
            appender.doAppend(event("the line the reader never got"));
            // The flush thread stops the appender, then tells why: wait for both.
            Await.until(() -> !appender.isStarted() && !log.errors().isEmpty(), "stopped by the failed flush, and told");
            appender.doAppend(event("a line after the failure"));
            appender.stop();

            // The capture hears every appender of this class: another test's, failing late on its own stream
            // ("Broken pipe"), may be heard too. This appender's failure is the one of its stream.
            java.util.List<ILoggingEvent> errors = log.errors().stream()
                    .filter(e -> e.getFormattedMessage().contains("Stream closed")).toList();
            assertEquals(1, errors.size(), log.dump());
            assertTrue(errors.get(0).getFormattedMessage().contains("Failed to flush stdout for appender [test]"),
                    log.dump());
            assertTrue(context.getStatusManager().getCopyOfStatusList().stream().anyMatch(
                    s -> s.getLevel() == Status.ERROR && s.getMessage().startsWith("Failed to flush stdout")),
                    "in logback's status list too, which its status listeners print");
        }
    }

    @Test
    void settingsThatCannotWorkAreRefusedAtStartToldWithoutACauseAndStopQuietly() {
        try (dev.rampart.core.testing.LogCapture log = dev.rampart.core.testing.LogCapture.start()) {
            assertFalse(configured(0, 200).isStarted(), "no buffer");
            assertFalse(configured(1024, 0).isStarted(), "no flush delay");
            configured(0, 200).stop(); // as logback stops every appender on a reset

            java.util.List<ILoggingEvent> errors = log.errors();
            assertEquals(3, errors.size(), "one for each appender refused: " + log.dump());
            assertTrue(errors.stream().allMatch(e -> e.getFormattedMessage().endsWith("must be positive for appender"
                    + " [test]); its lines are lost")), "no cause to add: " + log.dump());
        }
        BufferedStdoutAppender<ILoggingEvent> smallest = configured(1, 1);
        assertTrue(smallest.isStarted(), "a buffer of one byte and a flush delay of 1 ms work");
        smallest.stop();
    }

    private BufferedStdoutAppender<ILoggingEvent> configured(int bufferSize, long flushDelayMillis) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        BufferedStdoutAppender<ILoggingEvent> configured = new BufferedStdoutAppender<>(new CountingStream());
        configured.setContext(context);
        configured.setName("test");
        configured.setEncoder(encoder);
        configured.setBufferSize(bufferSize);
        configured.setFlushDelayMillis(flushDelayMillis);
        configured.start();
        return configured;
    }

    private void start(int bufferSize, long flushDelayMillis) {
        start(bufferSize, flushDelayMillis, target);
    }

    private void start(int bufferSize, long flushDelayMillis, OutputStream target) {
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
