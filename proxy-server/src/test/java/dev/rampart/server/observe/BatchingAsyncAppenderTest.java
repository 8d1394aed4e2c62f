package dev.rampart.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.read.ListAppender;
import dev.rampart.core.testing.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log's asynchronous appender: lines reach the attached appender promptly at any rate,
 * every queued line is delivered at stop, and a full queue drops (and reports) lines instead of
 * blocking the logging thread.
 */
class BatchingAsyncAppenderTest extends BatchingAppenderFixture {

    @Test
    void aLoneLineIsDeliveredAfterTheDrainDelayWithoutAnotherLine() throws InterruptedException {
        start(1024, 20, target);

        async.doAppend(event("only line"));

        Await.until(() -> lines(target).size() == 1, "one line delivered");
        assertEquals(List.of("only line"), lines(target));
    }

    @Test
    void theMessageIsFormattedOnTheDrainThreadAndTheThreadNameIsTheLoggingThreads() throws InterruptedException {
        List<Thread> formattedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> formatted = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> threadNames = new java.util.concurrent.CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> formatting = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                formatted.add(event.getFormattedMessage());
                threadNames.add(event.getThreadName());
            }
        };
        formatting.setContext(context);
        start(1024, 5, formatting);
        Object argument = new Object() {
            @Override
            public String toString() {
                formattedOn.add(Thread.currentThread());
                return "built";
            }
        };

        async.doAppend(new LoggingEvent(Logger.class.getName(), context.getLogger("test"), Level.INFO, "{}", null,
                new Object[] {argument}));

        Await.until(() -> formatted.size() == 1, "the line formatted");
        assertEquals(List.of("built"), formatted);
        assertEquals(1, formattedOn.size());
        assertFalse(formattedOn.get(0) == Thread.currentThread(), "formatted on the logging thread");
        assertEquals(List.of(Thread.currentThread().getName()), threadNames);
    }

    @Test
    void stopDeliversEveryQueuedLineInOrderAndStopsTheAttachedAppender() {
        start(4096, 60_000, target); // no timed drain during the test
        for (int i = 0; i < 1000; i++) {
            async.doAppend(event("line " + i));
        }
        assertTrue(lines(target).isEmpty(), "still queued before stop");

        async.stop();

        List<String> delivered = lines(target);
        assertEquals(1000, delivered.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals("line " + i, delivered.get(i));
        }
        assertFalse(target.isStarted());
        assertEquals(0, async.droppedCount());
    }

    @Test
    void aQueueFillingUpIsDrainedBeforeTheDelay() throws InterruptedException {
        start(64, 60_000, target);

        for (int i = 0; i < 40; i++) {
            async.doAppend(event("line " + i));
        }

        Await.until(() -> lines(target).size() >= 32, "32 lines delivered");
        assertEquals(0, async.droppedCount());
    }

    @Test
    void drainsThatDroppedNothingReportNothing() {
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.setContext(context);
        warnings.start();
        context.getLogger(BatchingAsyncAppender.class).addAppender(warnings);
        start(1024, 1, target);
        for (int batch = 0; batch < 5; batch++) {
            for (int i = 0; i < 10; i++) {
                async.doAppend(event("line " + batch + "." + i));
            }
            int expected = (batch + 1) * 10;
            Await.until(() -> lines(target).size() == expected, "batch " + batch + " delivered");
        }
        assertEquals(0, async.droppedCount());
        synchronized (warnings) {
            assertEquals(List.of(), warnings.list.stream().map(ILoggingEvent::getFormattedMessage).toList(),
                    "five drains, nothing dropped: no warning");
        }
    }

    @Test
    void aFullQueueDropsLinesWithoutBlockingAndReportsHowMany() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstLineArrived = new CountDownLatch(1);
        StuckAppender stuck = new StuckAppender(firstLineArrived, release);
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.setContext(context);
        warnings.start();
        context.getLogger(BatchingAsyncAppender.class).addAppender(warnings);
        start(8, 1, stuck);

        async.doAppend(event("first"));
        assertTrue(firstLineArrived.await(5, TimeUnit.SECONDS), "the drain thread took the first line");
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int i = 0; i < 100; i++) {
                async.doAppend(event("line " + i)); // the drain thread is stuck: the queue fills
            }
        });
        assertTrue(async.droppedCount() >= 100 - 8, "dropped: " + async.droppedCount());

        release.countDown();
        Await.until(() -> {
            synchronized (warnings) {
                return !warnings.list.isEmpty();
            }
        }, "the dropped-lines warning");
        ILoggingEvent warning = warnings.list.get(0);
        assertEquals(Level.WARN, warning.getLevel());
        assertTrue(warning.getFormattedMessage().contains(async.droppedCount() + " line(s)"),
                warning.getFormattedMessage());
    }

    @Test
    void stopReturnsInTimeWhenTheOutputIsNoLongerReadAndSaysOnStderrWhatWasNotWritten() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstLineArrived = new CountDownLatch(1);
        start(1024, 1, new StuckAppender(firstLineArrived, release));
        async.setMaxFlushTimeMillis(300);
        async.doAppend(event("first"));
        assertTrue(firstLineArrived.await(5, TimeUnit.SECONDS), "the drain thread is stuck writing the first line");
        for (int i = 0; i < 5; i++) {
            async.doAppend(event("queued " + i));
        }

        String stderr = StderrCapture.during(() -> assertTimeoutPreemptively(Duration.ofSeconds(3), async::stop,
                "a stdout nobody reads must not hold the shutdown"));
        release.countDown();
        async = null;

        assertTrue(stderr.contains("5 line(s) of appender [test] dropped: not written within 300 ms"), stderr);
    }

    @Test
    void linesDroppedByADrainEndingDuringTheStopAreReportedOnStderr() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstLineArrived = new CountDownLatch(1);
        start(4, 1, new StuckAppender(firstLineArrived, release));
        async.doAppend(event("first"));
        assertTrue(firstLineArrived.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < 10; i++) {
            async.doAppend(event("line " + i)); // 4 queued, the rest dropped
        }
        long dropped = async.droppedCount();
        assertTrue(dropped >= 6, "dropped: " + dropped);
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(200); // the stop has begun: logback's own stderr appender may be stopped by now
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            release.countDown();
        });

        String stderr = StderrCapture.during(() -> {
            releaser.start();
            async.stop();
        });
        async = null;

        assertTrue(stderr.contains(dropped + " line(s) of appender [test] dropped: its queue of 4 was full"), stderr);
    }

    @Test
    void aDeferredLineBecomesAnInfoEventOfItsLoggerWithTheCallersThreadNameAndTime() {
        List<ILoggingEvent> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> formattedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> threadNames = new java.util.concurrent.CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> formatting = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                // As an encoder does, on the thread that appends: an event not told its thread's name takes this one's.
                event.getFormattedMessage();
                threadNames.add(event.getThreadName());
                delivered.add(event);
            }
        };
        start(1024, 300, formatting); // the drain comes 300 ms after the line: its time cannot pass for the line's
        Object argument = new Object() {
            @Override
            public String toString() {
                formattedOn.add(Thread.currentThread());
                return "deferred line";
            }
        };
        long before = System.currentTimeMillis();
        async.appendDeferred(context.getLogger("rampart.access"), argument);
        long handedOver = System.currentTimeMillis();

        Await.until(() -> delivered.size() == 1, "the deferred line delivered");
        ILoggingEvent event = delivered.get(0);
        assertEquals("deferred line", event.getFormattedMessage());
        assertEquals(Level.INFO, event.getLevel());
        assertEquals("rampart.access", event.getLoggerName());
        assertEquals(List.of(Thread.currentThread().getName()), threadNames);
        assertTrue(event.getTimeStamp() >= before && event.getTimeStamp() <= handedOver,
                "stamped when it was handed over (" + before + ".." + handedOver + "): " + event.getTimeStamp());
        assertEquals(1, formattedOn.size());
        assertFalse(formattedOn.get(0) == Thread.currentThread(), "formatted on the drain thread");
    }

    @Test
    void linesNoAttachedAppenderCanTakeAnyMoreAreCountedAsDropped() {
        // logback stops an output appender at its first failed write (stdout's reader gone) and drops what follows.
        start(1024, 5, target);
        async.doAppend(event("written"));
        Await.until(() -> lines(target).size() == 1, "the first line delivered");
        target.stop();

        for (int i = 0; i < 3; i++) {
            async.doAppend(event("lost " + i));
        }

        Await.until(() -> async.droppedCount() == 3, "the three lines counted as dropped: " + async.droppedCount());
        assertEquals(List.of("written"), lines(target));
    }

    @Test
    void linesOfABatchWhoseWriteFailedHalfwayAreCountedAsDropped() {
        // The write fails in the middle of a drain, as stdout's reader goes away under load: logback stops its
        // output appender there, and the line it was writing and the rest of the batch are lost.
        ListAppender<ILoggingEvent> failingOnTheSecond = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (list.size() == 1) {
                    stop();
                } else {
                    super.append(event);
                }
            }
        };
        start(1024, 200, failingOnTheSecond);
        for (int i = 0; i < 5; i++) {
            async.doAppend(event("line " + i)); // one batch: the drain comes 200 ms after the first line
        }

        Await.until(() -> async.droppedCount() == 4, "the failed line and the three after it counted as dropped: "
                + async.droppedCount());
        assertEquals(List.of("line 0"), lines(failingOnTheSecond));
    }

    @Test
    void aDeferredLineHandedToAStoppedAppenderIsDropped() {
        start(1024, 5, target);
        async.stop();

        async.appendDeferred(context.getLogger("rampart.access"), "late");

        assertTrue(lines(target).isEmpty());
        async = null;
    }

}
