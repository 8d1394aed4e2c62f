package dev.rampart.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import java.nio.file.Files;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

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
    private static final String PING = "rampart { routes = [ { name = ping, respond { status = 200 } } ] }";

    @TempDir
    Path dir;
    /** The reloader's ticker; it starts where System.nanoTime() is never near, so a stamp taken from that shows. */
    private final AtomicLong now = new AtomicLong(System.nanoTime() - TimeUnit.HOURS.toNanos(1));
    private final RecordingReloadTarget target = new RecordingReloadTarget();

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
        Files.writeString(dir.resolve("proxy.conf"), PING); // the edit's last write, after the read's first look

        assertNull(reloader.readSince(changed));
        assertTrue(reloader.reloadChange("file changed", changed, null));
        assertEquals(List.of(true, true), target.counted);
    }

    @Test
    void aChangeAfterTheLastReloadIsLoaded() throws Exception {
        ConfigReloader reloader = reloaderWithoutWatch();
        assertTrue(reloader.reload("SIGHUP"));
        long changed = now.incrementAndGet();
        Files.writeString(dir.resolve("proxy.conf"), PING);

        assertTrue(reloader.reloadChange("file changed", changed, null));
        assertEquals(List.of(true, true), target.counted);
    }

    /**
     * A tool writes the file and sends SIGHUP at once: the SIGHUP's read may begin before the watch has the event,
     * which is then stamped after it. The file is still the one that read: it is not applied again.
     */
    @Test
    void aChangeWhoseEventCameAfterAReadOfTheSameFileIsNotLoadedAgain() throws Exception {
        ConfigReloader reloader = reloaderWithoutWatch();
        ConfigFiles.replace(dir.resolve("proxy.conf"), PING);
        assertTrue(reloader.reload("SIGHUP"));
        long changed = now.incrementAndGet(); // the event, seen after the read began

        try (LogCapture logs = LogCapture.start()) {
            assertFalse(reloader.reloadChange("file changed", changed, null));
            assertTrue(logs.dump().contains("INFO dev.rampart.server.ConfigReloader - reload (file changed) not needed:"
                    + " reload (SIGHUP) read the file as it is"), logs.dump());
        }
        assertEquals(List.of(true), target.counted, "one edit, counted once");
        assertFalse(reloader.reloadChange("file changed", now.incrementAndGet(), reloader.tryLoad()),
                "nor what the watch read of it");
        assertEquals(List.of(true), target.counted);
    }

    /** Touching the config file is a way to have its certificate files read again: it is a change. */
    @Test
    void aTouchedFileIsLoadedAgainThoughItsContentIsTheSame() throws Exception {
        ConfigReloader reloader = reloaderWithoutWatch();
        Path file = dir.resolve("proxy.conf");
        assertTrue(reloader.reload("SIGHUP"));
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(file).toMillis() + 1_000));

        assertTrue(reloader.reloadChange("file changed", now.incrementAndGet(), null));
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

    /**
     * The watch reads an edit that takes long (an included URL that answers late; thousands of routes); the file is
     * edited again meanwhile and a SIGHUP reads that. The second edit was seen before the SIGHUP began, whatever
     * the watch was busy with: it is not read a third time.
     */
    @Test
    void anEditMadeWhileTheWatchIsBusyAndReadBySighupIsNotLoadedAgain() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        CountDownLatch fetched = new CountDownLatch(1);
        HttpServer included = ConfigFiles.slowInclude(fetched, answer);
        ConfigReloader reloader = reloader(() -> FileSystems.getDefault().newWatchService(), Duration.ofMillis(100),
                Ticker.systemTicker());
        Path file = dir.resolve("proxy.conf");
        reloader.watchFile();
        try (LogCapture logs = LogCapture.start()) {
            ConfigFiles.replace(file, "rampart { include url(\"http://127.0.0.1:" + included.getAddress().getPort() + "/more.conf\") }");
            assertTrue(fetched.await(10, TimeUnit.SECONDS), "the watch reads the first edit");
            ConfigFiles.replace(file, "rampart { routes = [ { name = second, respond { status = 200 } } ] }");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (reloader.watch().changesSeen() < 2 && System.nanoTime() < until) {
                Thread.sleep(5);
            }

            assertTrue(reloader.reload("SIGHUP"));
            answer.countDown();

            // Both changes of the watch end in this line, or one in a second reload.
            String notNeeded = "reload (file changed) not needed: reload (SIGHUP) read the file after the change";
            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (logs.dump().split(Pattern.quote(notNeeded), -1).length < 3 && target.counted.size() < 2
                    && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertEquals(List.of(true), target.counted, logs.dump());
            assertEquals(1, target.applied.get());
        } finally {
            reloader.close();
            answer.countDown();
            included.stop(0);
        }
    }

    /**
     * The watch reads an edit that takes long; meanwhile the file is edited again, a SIGHUP reads that, and it is
     * edited a third time. What the watch read is older than what the SIGHUP applied: it is not applied over it.
     */
    @Test
    void whatTheWatchReadIsNotAppliedOverASighupThatBeganAfterTheChangeItWasReadFor() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        CountDownLatch fetched = new CountDownLatch(1);
        HttpServer included = ConfigFiles.slowInclude(fetched, answer);
        ConfigReloader reloader = reloader(() -> FileSystems.getDefault().newWatchService(), Duration.ofMillis(100),
                Ticker.systemTicker());
        Path file = dir.resolve("proxy.conf");
        reloader.watchFile();
        try {
            ConfigFiles.replace(file, "rampart { include url(\"http://127.0.0.1:" + included.getAddress().getPort() + "/more.conf\") }");
            assertTrue(fetched.await(10, TimeUnit.SECONDS), "the watch reads the first edit");
            ConfigFiles.replace(file, "rampart { routes = [ { name = second, respond { status = 200 } } ] }");
            assertTrue(reloader.reload("SIGHUP"));
            ConfigFiles.replace(file, "rampart { routes = [ { name = third, respond { status = 200 } } ] }");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (reloader.watch().changesSeen() < 3 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            answer.countDown();

            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!target.routes.contains("third") && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertEquals(List.of("second", "third"), target.routes);
        } finally {
            reloader.close();
            answer.countDown();
            included.stop(0);
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
        return reloader(watchServices, debounce, now::get);
    }

    private ConfigReloader reloader(ConfigFileWatch.WatchServices watchServices, Duration debounce, Ticker ticker)
            throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, PONG);
        return new ConfigReloader(ConfigSource.resolve(Optional.of(file)), target, watchServices, debounce, ticker);
    }
}
