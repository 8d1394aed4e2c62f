package dev.rampart.core.proxy;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lazily re-armed timeout behind the client idle and request-head timeouts, on a real event loop:
 * it expires after its timeout, never before the latest deadline it was armed with, not at all once
 * disarmed, and at the earlier time when re-armed with a shorter timeout.
 */
class LazyDeadlineTest {

    private static final long MS = 1_000_000L;

    private final EventLoop loop = new DefaultEventLoop();
    private final CountDownLatch expired = new CountDownLatch(1);
    private final AtomicLong expiredAtNanos = new AtomicLong();
    private final AtomicLong expiries = new AtomicLong();
    private final LazyDeadline deadline = new LazyDeadline(loop, () -> {
        expiredAtNanos.set(System.nanoTime());
        expiries.incrementAndGet();
        expired.countDown();
    });

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void expiresOnceAfterItsTimeout() throws Exception {
        long start = System.nanoTime();
        loop.execute(() -> deadline.arm(100 * MS));

        assertTrue(expired.await(10, TimeUnit.SECONDS));
        assertTrue(expiredAtNanos.get() - start >= 100 * MS, "expired early");
        assertEquals(1, expiries.get());
    }

    @Test
    void reArmingPushesExpiryToTheLatestDeadline() throws Exception {
        long start = System.nanoTime();
        loop.execute(() -> deadline.arm(150 * MS));
        long rearmedAt = loop.schedule(() -> {
            deadline.arm(300 * MS); // the pending task, due at 150 ms, must not expire it
            return System.nanoTime();
        }, 100, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);

        assertTrue(expired.await(10, TimeUnit.SECONDS));
        assertTrue(expiredAtNanos.get() - rearmedAt >= 300 * MS,
                "expired " + (expiredAtNanos.get() - start) / MS + " ms after the start");
        assertEquals(1, expiries.get());
    }

    @Test
    void aDisarmedDeadlineNeverExpires() throws Exception {
        loop.submit(() -> {
            deadline.arm(50 * MS);
            deadline.disarm();
        }).get(10, TimeUnit.SECONDS);

        assertFalse(expired.await(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void reArmingWithAShorterTimeoutExpiresAtTheEarlierTime() throws Exception {
        long start = System.nanoTime();
        loop.submit(() -> {
            deadline.arm(TimeUnit.SECONDS.toNanos(60));
            deadline.arm(100 * MS);
        }).get(10, TimeUnit.SECONDS);

        assertTrue(expired.await(30, TimeUnit.SECONDS), "the 60 s task must have been replaced");
        assertTrue(expiredAtNanos.get() - start >= 100 * MS);
    }

    @Test
    void aCancelledDeadlineNeverExpires() throws Exception {
        loop.submit(() -> {
            deadline.arm(50 * MS);
            deadline.cancel();
        }).get(10, TimeUnit.SECONDS);

        assertFalse(expired.await(300, TimeUnit.MILLISECONDS));
    }
}
