package dev.rampart.server;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watch's two threads at a shutdown: both are daemons (a watch never keeps the JVM up), both end once the
 * reloader is closed, whether the watch was idle, waiting for the file to be quiet or reading an edit, and
 * nothing is applied after the close.
 */
class ConfigFileWatchCloseTest {

    private static final String PONG = "rampart { routes = [ { name = pong, respond { status = 200 } } ] }";

    @TempDir
    Path dir;
    private final RecordingReloadTarget target = new RecordingReloadTarget();

    @Test
    void closingAnIdleWatchEndsBothOfItsThreads() throws Exception {
        ConfigReloader reloader = reloader(Duration.ofMillis(100));
        List<Thread> threads = watchThreads(reloader);
        assertEquals(2, threads.size(), "the event and the reload threads: " + threads);
        threads.forEach(t -> assertTrue(t.isDaemon(), t.getName() + " keeps the JVM up"));

        reloader.close();

        awaitEnded(threads);
    }

    @Test
    void closingWhileWaitingForQuietAppliesNothingAndEndsBothThreads() throws Exception {
        ConfigReloader reloader = reloader(Duration.ofSeconds(2)); // the close comes within it even on a slow machine
        List<Thread> threads = watchThreads(reloader);
        ConfigFiles.replace(dir.resolve("proxy.conf"), "rampart { routes = [ { name = edited, respond { status = 200 } } ] }");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reloader.watch().changesSeen() == 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(1, reloader.watch().changesSeen(), "the watch saw the edit");

        reloader.close();

        awaitEnded(threads);
        assertEquals(List.of(), target.routes);
        assertEquals(List.of(), target.counted, "a reload cut short by the shutdown is neither a success nor a failure");
    }

    /** An included URL that answers late (up to its 10 s timeout): the shutdown does not wait for the read. */
    @Test
    void closingWhileTheWatchReadsAnEditAppliesNothingAndEndsBothThreadsOnceTheReadIsOver() throws Exception {
        CountDownLatch fetched = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        HttpServer included = ConfigFiles.slowInclude(fetched, answer);
        ConfigReloader reloader = reloader(Duration.ofMillis(100));
        try {
            List<Thread> threads = watchThreads(reloader);
            ConfigFiles.replace(dir.resolve("proxy.conf"),
                    "rampart { include url(\"http://127.0.0.1:" + included.getAddress().getPort() + "/more.conf\") }");
            assertTrue(fetched.await(10, TimeUnit.SECONDS), "the watch reads the edit");

            assertTimeoutPreemptively(Duration.ofSeconds(3), reloader::close, "close waits for no read");
            answer.countDown();

            awaitEnded(threads);
            assertEquals(List.of(), target.routes, "nothing applied to a runtime being shut down");
            assertEquals(List.of(), target.counted);
        } finally {
            answer.countDown();
            included.stop(0);
        }
    }

    /** Starts the watch and returns the threads it started. */
    private List<Thread> watchThreads(ConfigReloader reloader) {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        reloader.watchFile();
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.getName().startsWith("rampart-config-"))
                .toList();
    }

    private static void awaitEnded(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
            assertTrue(!thread.isAlive(), thread.getName() + " still runs after the close");
        }
    }

    private ConfigReloader reloader(Duration debounce) throws Exception {
        Path file = Files.writeString(dir.resolve("proxy.conf"), PONG);
        return new ConfigReloader(ConfigSource.resolve(Optional.of(file)), target,
                () -> FileSystems.getDefault().newWatchService(), debounce);
    }
}
