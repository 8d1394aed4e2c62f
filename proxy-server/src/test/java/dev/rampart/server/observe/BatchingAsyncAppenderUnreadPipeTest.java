package dev.rampart.server.observe;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.rampart.core.testing.Await;
import org.junit.jupiter.api.Test;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log's appenders as logback.xml chains them, writing to a pipe nobody reads (a stalled log shipper): the
 * drain thread blocks in its write, and the application log hears of the dropped lines while it stays blocked.
 */
class BatchingAsyncAppenderUnreadPipeTest extends BatchingAppenderFixture {

    @Test
    void linesDroppedWhileThePipeIsNotReadAreWarnedOfBeforeItIsReadAgain() throws IOException {
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.setContext(context);
        warnings.start();
        context.getLogger(BatchingAsyncAppender.class).addAppender(warnings);
        Pipe pipe = Pipe.open();
        WatchedStream sink = new WatchedStream(Channels.newOutputStream(pipe.sink()));
        try {
            start(64, 1, stdoutTo(sink));
            String line = "x".repeat(1_000);
            Await.until(() -> {
                async.doAppend(event(line)); // never blocks: the pipe's buffer fills, then the queue
                return sink.blockedForNanos() > TimeUnit.MILLISECONDS.toNanos(300);
            }, "a write blocked on the pipe");
            int warnedBefore = messages(warnings).size(); // by the drain, before it blocked
            for (int i = 0; i < 100; i++) {
                async.doAppend(event(line)); // the queue holds 64 at most: 36 dropped at least
            }

            nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
            Await.until(() -> messages(warnings).size() > warnedBefore, "a warning while the pipe is not read");

            assertTrue(sink.blockedForNanos() > 0, "the write still blocked");
            long warned = messages(warnings).stream().mapToLong(m -> Long.parseLong(m.split(" ", 2)[0])).sum();
            assertEquals(async.droppedCount(), warned, "each drop warned of once: " + messages(warnings));
            assertTrue(messages(warnings).stream().allMatch(m -> m.endsWith(" of appender [test] dropped: its queue of 64 was full")),
                    messages(warnings).toString());
            async.setMaxFlushTimeMillis(300);
            StderrCapture.during(async::stop); // says what it could not write, which is not this test's matter
            async = null;
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    /** A stdout appender as logback.xml's, with a small buffer, writing to {@code sink}. */
    private BufferedStdoutAppender<ILoggingEvent> stdoutTo(OutputStream sink) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        BufferedStdoutAppender<ILoggingEvent> stdout = new BufferedStdoutAppender<>(sink);
        stdout.setName("stdout");
        stdout.setEncoder(encoder);
        stdout.setBufferSize(1_024);
        stdout.setFlushDelayMillis(1);
        return stdout;
    }

    /** Tells how long the write in progress, if any, has been waiting. */
    private static final class WatchedStream extends FilterOutputStream {
        private static final long NOT_WRITING = 0;
        private volatile long writingSince = NOT_WRITING;

        WatchedStream(OutputStream out) {
            super(out);
        }

        long blockedForNanos() {
            long since = writingSince;
            return since == NOT_WRITING ? 0 : System.nanoTime() - since;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writingSince = System.nanoTime() | 1; // never NOT_WRITING
            try {
                out.write(b, off, len);
            } finally {
                writingSince = NOT_WRITING;
            }
        }
    }

    private static List<String> messages(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) { // AppenderBase appends under the appender's monitor
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
