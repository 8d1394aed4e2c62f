package dev.rampart.server.observe;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real event loops, a moved clock: a blocked loop is told apart from a busy or an ending one. */
class EventLoopWatchdogTest {

    private static final Duration LIMIT = Duration.ofSeconds(1);

    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("watched", true), NioIoHandler.newFactory());
    private final AtomicLong now = new AtomicLong();
    private final List<String> told = new CopyOnWriteArrayList<>();
    private final EventLoopWatchdog watchdog = new EventLoopWatchdog(List.of(group), now::get, LIMIT,
            new EventLoopWatchdog.Listener() {
                @Override
                public void stalled(String thread, Duration stalledFor, StackTraceElement[] stack) {
                    told.add("stalled " + thread + " " + stalledFor.toMillis() + " "
                            + Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals("blockedByTheTest")));
                }

                @Override
                public void recovered(String thread, Duration stalledFor) {
                    told.add("recovered " + thread + " " + stalledFor.toMillis());
                }
            });

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aLoopBlockedLongerThanTheLimitIsReportedOnceWithWhereItIsAndAgainWhenItTurns() throws Exception {
        EventExecutor blocked = group.next();
        String name = threadOf(blocked);
        watchdog.check(); // heartbeats queued on both loops
        settle();
        watchdog.check(); // both ran: fresh ones queued
        settle();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        blocked.execute(() -> blockedByTheTest(holding, release));
        holding.await(5, TimeUnit.SECONDS);
        watchdog.check(); // the other loop's heartbeat: queued behind nothing; the blocked one's behind the block

        now.addAndGet(LIMIT.toNanos() / 2);
        watchdog.check();
        assertEquals(List.of(), told, "half the limit is not a stall");

        now.addAndGet(LIMIT.toNanos());
        waitForOtherLoop(blocked);
        watchdog.check();
        assertEquals(List.of("stalled " + name + " 1500 true"), told,
                "the blocked loop alone, once over the limit, with the frame that blocks it");

        now.addAndGet(LIMIT.toNanos() * 5);
        waitForOtherLoop(blocked);
        watchdog.check();
        assertEquals(1, told.size(), "one stall, one report");

        release.countDown();
        settle();
        watchdog.check();
        assertEquals("recovered " + name + " 6500", told.get(1), "how long it stood still, by the clock given");
        assertEquals(2, told.size());
    }

    @Test
    void aLoopBlockedBeforeItsFirstHeartbeatIsNamedByItsNumber() throws Exception {
        EventExecutor blocked = group.next();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        blocked.execute(() -> blockedByTheTest(holding, release));
        holding.await(5, TimeUnit.SECONDS);
        watchdog.check(); // the blocked loop's first heartbeat waits behind the block: its thread is not known

        now.addAndGet(LIMIT.toNanos() * 2);
        waitForOtherLoop(blocked);
        watchdog.check();
        release.countDown();

        assertEquals(1, told.size(), told.toString());
        assertTrue(told.get(0).matches("stalled number [12] 2000 false"), "a name the log line reads as one: " + told);
    }

    @Test
    void loopsThatKeepTurningAreNeverReportedHoweverTheClockJumps() throws Exception {
        for (int i = 0; i < 5; i++) {
            watchdog.check();
            settle();
            now.addAndGet(LIMIT.toNanos() * 10);
        }
        watchdog.check();
        assertEquals(List.of(), told);
    }

    @Test
    void loopsThatAreShuttingDownAreNotStalls() {
        watchdog.check();
        settle();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        for (int i = 0; i < 3; i++) {
            now.addAndGet(LIMIT.toNanos() * 10);
            watchdog.check();
        }
        assertEquals(List.of(), told);
    }

    private static void blockedByTheTest(CountDownLatch holding, CountDownLatch release) {
        holding.countDown();
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every loop has run what was queued on it before this call. */
    private void settle() {
        for (EventExecutor loop : group) {
            loop.submit(() -> { }).syncUninterruptibly();
        }
    }

    private void waitForOtherLoop(EventExecutor blocked) {
        for (EventExecutor loop : group) {
            if (loop != blocked) {
                loop.submit(() -> { }).syncUninterruptibly();
            }
        }
    }

    private static String threadOf(EventExecutor loop) throws Exception {
        String name = loop.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
        assertTrue(name.startsWith("watched"), name);
        return name;
    }
}
