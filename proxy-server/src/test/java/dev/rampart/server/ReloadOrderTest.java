package dev.rampart.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which change a reload stands for: one that began reading the file after the change was seen has read it, and the
 * watch does not load it again; one that began before it, at the same instant, or whose read failed, has not. The
 * reloader orders reads and changes by a ticker the test moves, so "before" and "after" are set, not waited for.
 */
class ReloadOrderTest {

    private static final String PONG = "rampart { routes = [ { name = pong, respond { status = 200 } } ] }";

    @TempDir
    Path dir;
    /** The reloader's ticker; it starts where System.nanoTime() is never near, so a stamp taken from that shows. */
    private final AtomicLong now = new AtomicLong(System.nanoTime() - TimeUnit.HOURS.toNanos(1));
    private final Counting target = new Counting();

    @Test
    void aChangeReadByAReloadThatBeganAfterItIsNotLoadedAgain() throws Exception {
        ConfigReloader reloader = reloaderWithoutWatch();
        long changed = now.get();
        now.incrementAndGet();
        assertTrue(reloader.reload("SIGHUP"));

        try (LogCapture logs = LogCapture.start()) {
            assertFalse(reloader.reloadChange("file changed", changed, null));
            assertTrue(logs.dump().contains("INFO dev.rampart.server.ConfigReloader - reload (file changed) not needed:"
                    + " reload (SIGHUP) read the file after the change"), logs.dump());
        }
        assertEquals(List.of(true), target.counted, "a change read once is counted once");
    }

    /** The same tick may hold the read's first look at the file and, after it, the last write of the edit. */
    @Test
    void aReloadThatBeganAtTheInstantOfTheChangeDoesNotStandForIt() throws Exception {
        ConfigReloader reloader = reloaderWithoutWatch();
        assertTrue(reloader.reload("SIGHUP"));
        long changed = now.get();

        assertNull(reloader.readSince(changed));
        assertTrue(reloader.reloadChange("file changed", changed, null));
        assertEquals(List.of(true, true), target.counted);
    }

    @Test
    void aChangeAfterTheLastReloadIsLoaded() throws Exception {
        ConfigReloader reloader = reloaderWithoutWatch();
        assertTrue(reloader.reload("SIGHUP"));
        long changed = now.incrementAndGet();

        assertTrue(reloader.reloadChange("file changed", changed, null));
        assertEquals(List.of(true, true), target.counted);
    }

    /** An included URL down for a moment, say: the watch reads the change again rather than leave it unapplied. */
    @Test
    void aReloadWhoseReadFailedDoesNotStandForTheChange() throws Exception {
        ConfigReloader reloader = reloaderWithoutWatch();
        long changed = now.get();
        Files.writeString(dir.resolve("proxy.conf"), "rampart { routes = [");
        now.incrementAndGet();
        assertFalse(reloader.reload("SIGHUP"));
        Files.writeString(dir.resolve("proxy.conf"), PONG);

        assertTrue(reloader.reloadChange("file changed", changed, null));
        assertEquals(List.of(false, true), target.counted);
    }

    /** System.nanoTime() may be anywhere in the long range, and pass its end while the proxy runs. */
    @Test
    void aReadIsOrderedAfterAChangeAcrossTheTickerWrapping() throws Exception {
        now.set(Long.MAX_VALUE);
        ConfigReloader reloader = reloaderWithoutWatch();
        long changed = now.get();
        now.incrementAndGet(); // Long.MIN_VALUE: later, though smaller
        assertTrue(reloader.reload("SIGHUP"));

        assertEquals("SIGHUP", reloader.readSince(changed).why());
        assertNull(reloader.readSince(now.incrementAndGet()));
    }

    /** A config tool's handler, or a Kubernetes reloader: the file is written, then the process gets SIGHUP. */
    @Test
    void anEditSeenByTheWatchAndThenReadBySighupIsAppliedOnce() throws Exception {
        // A quiet period long enough that the SIGHUP below comes within it even on a slow machine.
        ConfigReloader reloader = reloader(() -> FileSystems.getDefault().newWatchService(), Duration.ofSeconds(2));
        reloader.watchFile();
        try (LogCapture logs = LogCapture.start()) {
            // Written next to it and moved into place, as the README asks: one event, not a truncation and writes.
            Path next = Files.writeString(dir.resolve("proxy.conf.next"), PONG);
            Files.move(next, dir.resolve("proxy.conf"), StandardCopyOption.ATOMIC_MOVE);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reloader.watch().changesSeen() == 0 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertTrue(reloader.watch().changesSeen() > 0, "the watch saw the edit");
            now.incrementAndGet(); // the SIGHUP comes after the watch saw the edit, by the reloader's ticker

            assertTrue(reloader.reload("SIGHUP"));

            awaitLogged(logs, "reload (file changed) not needed: reload (SIGHUP) read the file after the change");
            assertEquals(List.of(true), target.counted);
        } finally {
            reloader.close();
        }
    }

    static void awaitLogged(LogCapture logs, String line) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!logs.dump().contains(line) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertTrue(logs.dump().contains(line), logs.dump());
    }

    private ConfigReloader reloaderWithoutWatch() throws Exception {
        return reloader(() -> {
            throw new AssertionError("not watched in this test");
        }, ConfigFileWatch.DEBOUNCE);
    }

    private ConfigReloader reloader(ConfigFileWatch.WatchServices watchServices, Duration debounce) throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, PONG);
        Ticker ticker = now::get;
        return new ConfigReloader(ConfigSource.resolve(Optional.of(file)), target, watchServices, debounce, ticker);
    }

    /** Counts each reload as the metric does. */
    static final class Counting implements ConfigReloader.Target {
        final List<Boolean> counted = new CopyOnWriteArrayList<>();
        final AtomicInteger applied = new AtomicInteger();

        @Override
        public RampartConfig apply(RampartConfig config) {
            applied.incrementAndGet();
            return config;
        }

        @Override
        public void reloaded(boolean success) {
            counted.add(success);
        }
    }
}
