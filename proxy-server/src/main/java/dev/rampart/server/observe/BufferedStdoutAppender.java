package dev.rampart.server.observe;

import ch.qos.logback.core.OutputStreamAppender;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes to the process's stdout through a buffer, and flushes it shortly after a line was written
 * rather than after every line. Logback's {@code ConsoleAppender} goes through {@code System.out},
 * which flushes on every write: one {@code write} system call per access-log line, on a thread that
 * competes with the event loops for the same cores. Here a busy proxy writes whole buffers, and a
 * quiet one still shows each line within {@link #setFlushDelayMillis flushDelayMillis}.
 *
 * <p>A flush is scheduled when a line lands in an empty buffer (nothing is scheduled while idle) and
 * runs on a daemon thread of its own, under the appender's stream lock. {@link #stop()} flushes what
 * is left; it never closes file descriptor 1, which the JVM and other writers still use.
 */
public class BufferedStdoutAppender<E> extends OutputStreamAppender<E> {

    /** Default buffer: a burst of a few hundred lines is one write. */
    static final int DEFAULT_BUFFER_SIZE = 64 * 1024;
    /** Default longest time a written line waits in the buffer. */
    static final long DEFAULT_FLUSH_DELAY_MILLIS = 200;

    private final OutputStream target;
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private int bufferSize = DEFAULT_BUFFER_SIZE;
    private long flushDelayMillis = DEFAULT_FLUSH_DELAY_MILLIS;
    private ScheduledExecutorService flusher;
    /** Whether a failure to write stdout was reported on the application log (once is enough). */
    private final AtomicBoolean failureReported = new AtomicBoolean();

    /** Writes to file descriptor 1. */
    public BufferedStdoutAppender() {
        this(new FileOutputStream(FileDescriptor.out));
    }

    /** Writes to {@code target} instead of stdout (tests). */
    BufferedStdoutAppender(OutputStream target) {
        this.target = target;
        setImmediateFlush(false);
    }

    public void setBufferSize(int bufferSize) {
        this.bufferSize = bufferSize;
    }

    public int getBufferSize() {
        return bufferSize;
    }

    /** The longest a written line stays in the buffer before it is flushed. */
    public void setFlushDelayMillis(long flushDelayMillis) {
        this.flushDelayMillis = flushDelayMillis;
    }

    public long getFlushDelayMillis() {
        return flushDelayMillis;
    }

    @Override
    public void start() {
        if (bufferSize <= 0 || flushDelayMillis <= 0) {
            addError("bufferSize and flushDelayMillis must be positive for appender [" + name + "]");
            return;
        }
        setImmediateFlush(false);
        flusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "rampart-stdout-flush");
            thread.setDaemon(true);
            return thread;
        });
        setOutputStream(new BufferedOutputStream(new UnclosableStream(target), bufferSize));
        super.start();
    }

    @Override
    protected void subAppend(E event) {
        super.subAppend(event);
        if (flushPending.compareAndSet(false, true)) {
            try {
                flusher.schedule(this::flush, flushDelayMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                flush();
            }
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            if (flusher != null) {
                flusher.shutdownNow(); // stopped by a failed flush: its timer thread still ends here
            }
            return;
        }
        super.stop(); // flushes the buffer as it closes it; the target stays open
        flusher.shutdownNow();
    }

    /** Writes out whatever is buffered. */
    void flush() {
        streamWriteLock.lock();
        try {
            flushPending.set(false);
            OutputStream out = getOutputStream();
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            // As logback's own output appenders do at a failed write: stopped, it takes no more lines, and the
            // queue in front of it counts those as dropped (rampart_access_log_lines_dropped_total).
            started = false;
            addError("Failed to flush stdout for appender [" + name + "]", e);
        } finally {
            streamWriteLock.unlock();
        }
    }

    /**
     * Logback keeps an appender's errors in its status list, which nobody reads: a stdout that cannot be
     * written (a closed pipe, a full disk) would lose every access-log line without a word. The first error
     * is also told on the application log (stderr), so an operator learns that the lines are gone.
     */
    @Override
    public void addStatus(ch.qos.logback.core.status.Status status) {
        super.addStatus(status);
        if (status.getLevel() == ch.qos.logback.core.status.Status.ERROR
                && failureReported.compareAndSet(false, true)) {
            Throwable cause = status.getThrowable();
            org.slf4j.LoggerFactory.getLogger(BufferedStdoutAppender.class).error(
                    "the access log cannot be written to stdout ({}{}); its lines are lost", status.getMessage(),
                    cause == null ? "" : ": " + cause);
        }
    }

    /** Closing the appender's stream flushes stdout and leaves the descriptor open. */
    private static final class UnclosableStream extends FilterOutputStream {

        UnclosableStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
