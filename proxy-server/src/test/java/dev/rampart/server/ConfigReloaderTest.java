package dev.rampart.server;

import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reloader outside the watch loop: a SIGHUP late in a shutdown finds it closed and changes nothing; a
 * config that cannot be applied is a failed reload, not the end of reloading; a file that cannot be
 * watched still reloads on SIGHUP.
 */
class ConfigReloaderTest {

    @TempDir
    Path dir;

    @Test
    void aReloadAfterTheShutdownClosedTheReloaderIsIgnored() throws Exception {
        RecordingTarget target = new RecordingTarget(0);
        ConfigReloader reloader = reloaderOf(target, () -> {
            throw new AssertionError("not watched in this test");
        });
        assertTrue(reloader.reload("before the shutdown"));

        reloader.close();

        assertFalse(reloader.reload("SIGHUP during the drain's last steps"));
        assertEquals(1, target.applied.get(), "nothing applied to a runtime being shut down");
        assertEquals(List.of(true), target.counted, "an ignored reload is neither a success nor a failure");
    }

    @Test
    void aShutdownDoesNotWaitForAReloadStuckReadingAnIncludedUrlAndNothingIsAppliedAfterIt() throws Exception {
        RecordingTarget target = new RecordingTarget(0);
        ConfigReloader reloader = reloaderOf(target, () -> {
            throw new AssertionError("not watched in this test");
        });
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Files.writeString(dir.resolve("proxy.conf"), "rampart { routes = [ { name = ping, respond { status = 200 } } ] }\n"
                    + "extra { include url(\"http://127.0.0.1:" + silent.getLocalPort() + "/more.conf\") }");
            CompletableFuture<Boolean> stuck = CompletableFuture.supplyAsync(() -> reloader.reload("file changed"));
            try (Socket reading = silent.accept()) { // the reload waits for an answer that does not come
                assertTimeoutPreemptively(Duration.ofSeconds(3), reloader::close, "close waits for no load");
            } // the include now reads an end of file: the reload completes, after the shutdown
            // HttpURLConnection tries a GET once more after an early end of file: refused at once, not left in
            // the listener's backlog until the include's 10 s read timeout.
            silent.close();

            assertFalse(stuck.get(15, TimeUnit.SECONDS));
        }
        assertEquals(0, target.applied.get(), "nothing applied to a runtime being shut down");
    }

    /** A reload readying its config (waiting for a new jwks-uri's first fetch, up to 11 s) holds no shutdown. */
    @Test
    void aShutdownDoesNotWaitForAReloadReadyingItsConfigAndNothingIsAppliedAfterIt() throws Exception {
        java.util.concurrent.CountDownLatch readying = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch fetched = new java.util.concurrent.CountDownLatch(1);
        RecordingTarget target = new RecordingTarget(0) {
            @Override
            public void prepare(RampartConfig config) {
                readying.countDown();
                try {
                    fetched.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ConfigReloader reloader = reloaderOf(target, () -> {
            throw new AssertionError("not watched in this test");
        });
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> reloader.reload("file changed"));
        assertTrue(readying.await(10, TimeUnit.SECONDS));

        assertTimeoutPreemptively(Duration.ofSeconds(3), reloader::close, "close waits for no readying");
        fetched.countDown(); // the keys came, after the shutdown began

        assertFalse(waiting.get(10, TimeUnit.SECONDS));
        assertEquals(0, target.applied.get(), "nothing applied to a runtime being shut down");
    }

    @Test
    void aConfigThatFailsToApplyCountsAsAFailedReloadAndTheNextOneIsApplied() throws Exception {
        RecordingTarget target = new RecordingTarget(1);
        ConfigReloader reloader = reloaderOf(target, () -> {
            throw new AssertionError("not watched in this test");
        });

        assertFalse(reloader.reload("an edit that cannot be applied"), "no exception escapes to the watch loop");
        assertTrue(reloader.reload("the next edit"));
        assertEquals(List.of(false, true), target.counted, "rampart_config_reloads_total{result=failure}, then success");
    }

    @Test
    void aFileThatCannotBeWatchedIsReloadedOnSighupAndTheProxyStartsAllTheSame() throws Exception {
        RecordingTarget target = new RecordingTarget(0);
        ConfigReloader reloader = reloaderOf(target, () -> {
            // what a node whose fs.inotify.max_user_instances is used up answers
            throw new IOException("User limit of inotify instances reached or too many open files");
        });
        try (LogCapture logs = LogCapture.start()) {
            reloader.watchFile();

            assertTrue(logs.dump().contains("WARN dev.rampart.server.ConfigFileWatch - config file "
                    + dir.resolve("proxy.conf").toAbsolutePath() + " is not watched for changes (java.io.IOException:"
                    + " User limit of inotify instances reached or too many open files); reload it with SIGHUP"),
                    logs.dump());
        }
        assertTrue(reloader.reload("SIGHUP"));
        assertEquals(1, target.applied.get());
        reloader.close();
    }

    @Test
    void aFileEmptiedAndWrittenAgainAfterAPauseIsOneReloadThatSucceeds() throws Exception {
        RecordingTarget target = new RecordingTarget(0);
        ConfigReloader reloader = reloaderOf(target, () -> FileSystems.getDefault().newWatchService());
        Path file = dir.resolve("proxy.conf");
        reloader.watchFile();
        try {
            // "slow-template > proxy.conf": the shell empties the file at once, the command writes it later.
            Files.writeString(file, "");
            Thread.sleep(ConfigFileWatch.DEBOUNCE.toMillis() * 3);
            Files.writeString(file, "rampart { routes = [ { name = pong, respond { status = 200 } } ] }");

            awaitCounted(target, 1);
            Thread.sleep(ConfigFileWatch.DEBOUNCE.toMillis() * 2);
            assertEquals(List.of(true), target.counted, "the empty moment is not a failed reload");
            assertEquals(1, target.applied.get());
        } finally {
            reloader.close();
        }
    }

    @Test
    void aFileLeftBrokenIsRefusedAndCountedOnceItHasSettled() throws Exception {
        RecordingTarget target = new RecordingTarget(0);
        ConfigReloader reloader = reloaderOf(target, () -> FileSystems.getDefault().newWatchService());
        Path file = dir.resolve("proxy.conf");
        reloader.watchFile();
        try (LogCapture logs = LogCapture.start()) {
            long written = System.nanoTime();
            Files.writeString(file, "rampart { routes = [");

            awaitCounted(target, 1);
            long tookMillis = (System.nanoTime() - written) / 1_000_000;
            assertEquals(List.of(false), target.counted);
            assertTrue(tookMillis >= ConfigFileWatch.SETTLE.toMillis(), "reported only after SETTLE: " + tookMillis + " ms");
            assertTrue(logs.dump().contains("reload (file changed) refused, the running config stays"), logs.dump());
        } finally {
            reloader.close();
        }
    }

    @Test
    void aDeletedFileIsSaidToBeGoneAndTheRunningConfigStaysUntilItIsBack() throws Exception {
        RecordingTarget target = new RecordingTarget(0);
        ConfigReloader reloader = reloaderOf(target, () -> FileSystems.getDefault().newWatchService());
        Path file = dir.resolve("proxy.conf");
        reloader.watchFile();
        try (LogCapture logs = LogCapture.start()) {
            Files.delete(file);

            awaitLogged(logs, "WARN dev.rampart.server.ConfigFileWatch - config file " + file.toAbsolutePath()
                    + " is gone (file changed); the running config stays, and the file is read again when it is"
                    + " back (or on SIGHUP)");
            assertEquals(List.of(), target.counted, "a removal is neither a reload nor a failed one");

            Files.writeString(file, "rampart { routes = [ { name = back, respond { status = 200 } } ] }");
            awaitCounted(target, 1);
            assertEquals(List.of(true), target.counted);
        } finally {
            reloader.close();
        }
    }

    /** A config of thousands of routes takes a second to read: the watch reads an edit once, not to check and then to apply. */
    @Test
    void anEditIsReadOnceByTheWatch() throws Exception {
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer included = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        included.createContext("/more.conf", exchange -> {
            fetches.incrementAndGet();
            byte[] body = "routes = [ { name = pong, respond { status = 200 } } ]".getBytes(
                    java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        included.start();
        RecordingTarget target = new RecordingTarget(0);
        ConfigReloader reloader = reloaderOf(target, () -> FileSystems.getDefault().newWatchService());
        reloader.watchFile();
        try {
            Path next = Files.writeString(dir.resolve("proxy.conf.next"), "rampart { include url(\"http://127.0.0.1:"
                    + included.getAddress().getPort() + "/more.conf\") }");
            Files.move(next, dir.resolve("proxy.conf"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);

            awaitCounted(target, 1);
            assertEquals(List.of(true), target.counted);
            assertEquals(1, fetches.get(), "the file and what it includes read once for the reload");
        } finally {
            reloader.close();
            included.stop(0);
        }
    }

    @Test
    void eachProblemOfARefusedReloadIsALogLineOfItsOwn() throws Exception {
        RecordingTarget target = new RecordingTarget(0);
        ConfigReloader reloader = reloaderOf(target, () -> {
            throw new AssertionError("not watched in this test");
        });
        Files.writeString(dir.resolve("proxy.conf"), "rampart { server { port = -1 },"
                + " routes = [ { name = ping, respond { status = 999 } } ] }");
        try (LogCapture logs = LogCapture.start()) {
            assertFalse(reloader.reload("SIGHUP"));
            List<String> errors = logs.errors().stream().map(e -> e.getFormattedMessage()).toList();
            assertEquals(2, errors.size(), logs.dump());
            for (int i = 0; i < 2; i++) {
                assertTrue(errors.get(i).startsWith("reload (SIGHUP) refused, the running config stays (problem "
                        + (i + 1) + " of 2): rampart."), errors.get(i));
                assertFalse(errors.get(i).contains("\n"), "one line: " + errors.get(i));
            }
        }
        assertEquals(List.of(false), target.counted);
    }

    private static void awaitLogged(LogCapture logs, String line) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!logs.dump().contains(line) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertTrue(logs.dump().contains(line), logs.dump());
    }

    private static void awaitCounted(RecordingTarget target, int reloads) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (target.counted.size() < reloads && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertEquals(reloads, target.counted.size(), "reloads counted: " + target.counted);
    }

    private ConfigReloader reloaderOf(RecordingTarget target, ConfigFileWatch.WatchServices watchServices)
            throws IOException {
        return reloaderOf(target, watchServices, ConfigFileWatch.DEBOUNCE);
    }

    private ConfigReloader reloaderOf(RecordingTarget target, ConfigFileWatch.WatchServices watchServices,
                                      Duration debounce) throws IOException {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, "rampart { routes = [ { name = ping, respond { status = 200 } } ] }");
        return new ConfigReloader(ConfigSource.resolve(Optional.of(file)), target, watchServices, debounce);
    }

    /** Counts what the reloader applies and how it counts each reload; the first {@code failing} applies throw. */
    private static class RecordingTarget implements ConfigReloader.Target {
        final AtomicInteger applied = new AtomicInteger();
        final List<Boolean> counted = new CopyOnWriteArrayList<>();
        private final int failing;

        RecordingTarget(int failing) {
            this.failing = failing;
        }

        @Override
        public RampartConfig apply(RampartConfig config) {
            if (applied.incrementAndGet() <= failing) {
                throw new IllegalArgumentException("a check the config binder does not make");
            }
            return config;
        }

        @Override
        public void reloaded(boolean success) {
            counted.add(success);
        }
    }
}
