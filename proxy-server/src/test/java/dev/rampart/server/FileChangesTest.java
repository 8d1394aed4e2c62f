package dev.rampart.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The hand-over between the watch's two threads: the reload thread's wait with no bound (its idle state, which
 * puts {@code Long.MAX_VALUE} past the end of {@link System#nanoTime}) lasts until a change or the close, and no
 * change is lost, whether it comes before the wait begins or during it.
 */
class FileChangesTest {

    private final AtomicLong ticker = new AtomicLong(1_000);
    private final FileChanges changes = new FileChanges(ticker::get);

    /** Were the wait's end computed as an instant, it would lie in the past and the reload thread would spin. */
    @Test
    void aWaitWithNoBoundLastsUntilTheNextChange() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<FileChanges.Seen> seen = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            return await(0, Long.MAX_VALUE);
        });
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> waiting.await());

        // A real wait: what is checked is that nothing returns while nothing changes.
        assertFalse(awaitDone(seen, 300), "returned with no change: " + seen.getNow(null));

        ticker.set(1_234);
        changes.record("file changed");
        assertEquals(new FileChanges.Seen(1, 1_234), seen.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aChangeRecordedBeforeTheWaitBeganEndsItAtOnce() {
        changes.record("file changed");

        assertEquals(new FileChanges.Seen(1, 1_000),
                assertTimeoutPreemptively(Duration.ofSeconds(10), () -> changes.awaitAfter(0, Long.MAX_VALUE)));
    }

    @Test
    void aBoundedWaitWithNoChangeEndsWithTheCountItWasGiven() throws Exception {
        changes.record("file changed");

        assertEquals(new FileChanges.Seen(1, 1_000), assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> changes.awaitAfter(1, TimeUnit.MILLISECONDS.toNanos(50))));
    }

    @Test
    void closingEndsAWaitWithNoBound() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<FileChanges.Seen> seen = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            return await(0, Long.MAX_VALUE);
        });
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> waiting.await());

        changes.close();

        assertNull(seen.get(10, TimeUnit.SECONDS));
        assertNull(changes.awaitAfter(0, Long.MAX_VALUE), "every later wait ends too");
    }

    private FileChanges.Seen await(int handled, long waitNanos) {
        try {
            return changes.awaitAfter(handled, waitNanos);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean awaitDone(CompletableFuture<?> future, long millis) throws InterruptedException {
        try {
            future.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }
}
