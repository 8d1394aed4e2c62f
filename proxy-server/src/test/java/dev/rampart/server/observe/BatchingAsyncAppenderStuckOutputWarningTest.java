package dev.rampart.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.rampart.core.testing.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log's asynchronous appender while its drain is stuck writing a line (a stdout nobody reads): the lines
 * it drops meanwhile are warned of on the application log from another thread, about a second after the first
 * drop, then at most once every 10 s, each drop in one warning only, also once the output moves again.
 */
class BatchingAsyncAppenderStuckOutputWarningTest extends BatchingAppenderFixture {

    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch firstArrived = new CountDownLatch(1);
    private final StuckAppender stuck = new StuckAppender(firstArrived, release);
    private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();

    @BeforeEach
    void stuckDrain() throws InterruptedException {
        warnings.setContext(context);
        warnings.start();
        context.getLogger(BatchingAsyncAppender.class).addAppender(warnings);
        start(4, 1, stuck);
        target.setContext(context);
        target.start();
        async.addAppender(target); // behind the stuck one: it sees a line once the output moves again
        async.doAppend(event("first"));
        assertTrue(firstArrived.await(5, TimeUnit.SECONDS), "the drain is stuck writing the first line");
    }

    @Test
    void linesDroppedWhileTheOutputStaysStuckAreWarnedOfFromAnotherThreadAboutASecondAfterTheFirst() {
        appendTen(); // 4 queued, 6 dropped
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));

        Await.until(() -> warnings().size() == 1, () -> "a warning while stuck: " + warnings());
        ILoggingEvent warning = warnings().get(0);
        assertEquals(Level.WARN, warning.getLevel());
        assertEquals("6 line(s) of appender [test] dropped: its queue of 4 was full", warning.getFormattedMessage());
        assertNotEquals(stuck.firstWriter().getName(), warning.getThreadName(), "not the stuck drain thread");
        assertEquals(1, release.getCount(), "the output still stuck");
    }

    @Test
    void laterDropsAreWarnedOfAtMostOnceEveryTenSecondsCountingOnlyThoseSinceTheLastWarning()
            throws InterruptedException {
        appendTen(); // 6 dropped
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        Await.until(() -> warnings().size() == 1, () -> "the first warning: " + warnings());
        appendTen(); // 10 dropped: the queue is still full

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(9));
        Thread.sleep(3 * DroppedLineWarnings.CHECK_EVERY_MILLIS); // the checks come and find it too early
        assertEquals(1, warnings().size(), "9 s after the first warning: " + warnings());

        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        Await.until(() -> warnings().size() == 2, () -> "the second warning, 10 s after the first: " + warnings());
        assertEquals("10 line(s) of appender [test] dropped: its queue of 4 was full",
                warnings().get(1).getFormattedMessage());
        assertEquals(16, async.droppedCount());
    }

    @Test
    void dropsWarnedOfWhileStuckAreNotWarnedOfAgainWhenTheOutputMovesAgain() {
        appendTen(); // 6 dropped
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
        Await.until(() -> warnings().size() == 1, () -> "the warning while stuck: " + warnings());

        release.countDown();
        Await.until(() -> lines(target).size() == 5, () -> "the output moved again: " + lines(target));
        async.doAppend(event("after")); // drained once the drain that was stuck has reported what it found
        Await.until(() -> lines(target).contains("after"), () -> "the next drain: " + lines(target));

        assertEquals(List.of("first", "line 0", "line 1", "line 2", "line 3", "after"), lines(target));
        assertEquals(List.of("6 line(s) of appender [test] dropped: its queue of 4 was full"),
                warnings().stream().map(ILoggingEvent::getFormattedMessage).toList());
        assertEquals(6, async.droppedCount());
    }

    private void appendTen() {
        for (int i = 0; i < 10; i++) {
            async.doAppend(event("line " + i));
        }
    }

    private List<ILoggingEvent> warnings() {
        synchronized (warnings) { // AppenderBase appends under the appender's monitor
            return List.copyOf(warnings.list);
        }
    }
}
