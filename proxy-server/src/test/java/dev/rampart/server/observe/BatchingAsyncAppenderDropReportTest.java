package dev.rampart.server.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.status.Status;
import dev.rampart.core.testing.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log's asynchronous appender: when it drains early, and what it says of dropped lines at stop
 * (on stderr, since logback's own stderr appender may be stopped by then): every line dropped and not yet
 * reported, counted once, and nothing at all when nothing was dropped.
 */
class BatchingAsyncAppenderDropReportTest extends BatchingAppenderFixture {

    @Test
    void aQueueHalfFullIsDrainedBeforeTheDelayEachTimeItFillsUp() {
        start(64, 60_000, target); // the timed drain never comes during the test

        for (int batch = 1; batch <= 2; batch++) {
            for (int i = 0; i < 32; i++) { // exactly half of the queue
                async.doAppend(event("line " + batch + "." + i));
            }
            int expected = batch * 32;
            Await.until(() -> lines() == expected, "batch " + batch + " drained early: " + lines() + " delivered");
        }
        assertEquals(0, async.droppedCount());
    }

    @Test
    void aStopThatDroppedNothingSaysNothingOnStderr() {
        start(1024, 60_000, target);
        for (int i = 0; i < 3; i++) {
            async.doAppend(event("line " + i));
        }

        String stderr = StderrCapture.during(async::stop);
        async = null;

        assertEquals(3, lines());
        assertEquals("", stderr);
    }

    @Test
    void aDrainEndingDuringTheStopThatDroppedNothingSaysNothingOnStderr() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstArrived = new CountDownLatch(1);
        start(1024, 1, new StuckAppender(firstArrived, release));
        async.doAppend(event("first"));
        assertTrue(firstArrived.await(5, TimeUnit.SECONDS), "the drain is busy writing the first line");
        BatchingAsyncAppender stopping = async;
        Thread releaser = releasedOnceStopped(stopping, release);

        String stderr = StderrCapture.during(() -> {
            releaser.start();
            stopping.stop();
        });
        async = null;

        assertEquals("", stderr);
    }

    @Test
    void linesDroppedSinceTheLastDrainAreReportedOnStderrAtStop() throws InterruptedException {
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch firstArrived = new CountDownLatch(1);
        CountDownLatch releaseWarning = new CountDownLatch(1);
        CountDownLatch warningArrived = new CountDownLatch(1);
        // The warning of the first drops blocks the drain thread after its drain: the next drops wait for the stop.
        attachToWarnings(new StuckAppender(warningArrived, releaseWarning));
        start(4, 1, new StuckAppender(firstArrived, releaseFirst));
        async.doAppend(event("first"));
        assertTrue(firstArrived.await(5, TimeUnit.SECONDS), "the drain is busy writing the first line");
        appendTen(); // 4 queued, 6 dropped
        releaseFirst.countDown();
        assertTrue(warningArrived.await(5, TimeUnit.SECONDS), "the first 6 drops warned of");
        appendTen(); // 4 queued, 6 dropped again, with the drain thread busy warning
        assertEquals(12, async.droppedCount());
        BatchingAsyncAppender stopping = async;
        Thread releaser = releasedOnceStopped(stopping, releaseWarning);

        String stderr = StderrCapture.during(() -> {
            releaser.start();
            stopping.stop();
        });
        async = null;

        assertTrue(stderr.contains("6 line(s) of appender [test] dropped: its queue of 4 was full"), stderr);
        assertEquals(1, stderr.lines().count(), "the first drops were warned of on the log, not again: " + stderr);
    }

    @Test
    void aStopCutShortCountsTheLinesDroppedSinceTheLastReportWithThoseStillQueued() throws InterruptedException {
        String stderr = stderrOfAStopCutShort();

        assertTrue(stderr.contains("10 line(s) of appender [test] dropped: not written within 300 ms"), stderr);
    }

    @Test
    void theStopReportIsALineOfTheApplicationLogsForm() throws InterruptedException {
        String stderr = stderrOfAStopCutShort();

        // logback.xml's %d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %-5level [%thread] %logger{36} - %msg
        assertTrue(stderr.strip().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z WARN  \\[[^\\]]+\\] "
                + "d\\.r\\.s\\.observe\\.BatchingAsyncAppender - 10 line\\(s\\) of appender \\[test\\] dropped: .*"), stderr);
    }

    /**
     * What a stop prints when the drain is stuck writing its first line with 4 more queued and 6 dropped: the stop
     * gives up after its 300 ms and reports all 10.
     */
    private String stderrOfAStopCutShort() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstArrived = new CountDownLatch(1);
        start(4, 1, new StuckAppender(firstArrived, release));
        async.setMaxFlushTimeMillis(300);
        async.doAppend(event("first"));
        assertTrue(firstArrived.await(5, TimeUnit.SECONDS), "the drain is stuck writing the first line");
        appendTen(); // 4 queued, 6 dropped and not reported yet

        String stderr = StderrCapture.during(() -> assertTimeoutPreemptively(Duration.ofSeconds(3), async::stop));
        release.countDown();
        async = null;
        return stderr;
    }

    @Test
    void linesCountedByAStopCutShortAreNotReportedAgainWhenTheStuckDrainEndsLater() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstArrived = new CountDownLatch(1);
        StuckAppender stuck = new StuckAppender(firstArrived, release);
        start(4, 1, stuck);
        async.setMaxFlushTimeMillis(300);
        async.doAppend(event("first"));
        assertTrue(firstArrived.await(5, TimeUnit.SECONDS), "the drain is stuck writing the first line");
        appendTen(); // 4 queued, 6 dropped and not reported yet
        BatchingAsyncAppender stopping = async;

        String stderr = StderrCapture.during(() -> {
            assertTimeoutPreemptively(Duration.ofSeconds(3), stopping::stop);
            release.countDown(); // the output is read again while the process lives on: the stuck drain ends
            Thread drainThread = stuck.firstWriter();
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> drainThread.join(), "the stuck drain ended");
        });
        async = null;

        assertTrue(stderr.contains("10 line(s) of appender [test] dropped: not written within 300 ms"), stderr);
        assertEquals(1, stderr.lines().count(), "the 6 queue-full drops were counted in that line, not again: " + stderr);
    }

    @Test
    void settingsThatCannotWorkAreRefusedAtStartAndTheRefusedAppenderStopsQuietly() {
        assertFalse(configured(1, 5).isStarted(), "a queue of 1");
        assertFalse(configured(1024, 0).isStarted(), "no drain delay");
        assertTrue(context.getStatusManager().getCopyOfStatusList().stream()
                        .anyMatch(s -> s.getLevel() == Status.ERROR && s.getMessage().contains("queueSize must be at least 2")),
                "told in logback's status");
        configured(1, 5).stop(); // as logback stops every appender on a reset

        BatchingAsyncAppender smallest = configured(2, 1);
        assertTrue(smallest.isStarted(), "a queue of 2 and a drain delay of 1 ms work");
        smallest.stop();
    }

    private void appendTen() {
        for (int i = 0; i < 10; i++) {
            async.doAppend(event("line " + i));
        }
    }

    /** A thread that releases {@code latch} once {@code appender}'s stop has begun. */
    private static Thread releasedOnceStopped(BatchingAsyncAppender appender, CountDownLatch latch) {
        Thread releaser = new Thread(() -> {
            Await.until(() -> !appender.isStarted(), "the stop begun");
            latch.countDown();
        });
        releaser.setDaemon(true);
        return releaser;
    }

    private void attachToWarnings(Appender<ILoggingEvent> appender) {
        appender.setContext(context);
        appender.start();
        context.getLogger(BatchingAsyncAppender.class).addAppender(appender);
    }

    private BatchingAsyncAppender configured(int queueSize, long drainDelayMillis) {
        BatchingAsyncAppender appender = new BatchingAsyncAppender();
        appender.setContext(context);
        appender.setName("test");
        appender.setQueueSize(queueSize);
        appender.setDrainDelayMillis(drainDelayMillis);
        appender.start();
        return appender;
    }

    private int lines() {
        synchronized (target) { // AppenderBase appends under the appender's monitor
            return target.list.size();
        }
    }
}
