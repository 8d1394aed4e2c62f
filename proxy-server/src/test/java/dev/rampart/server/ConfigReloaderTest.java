package dev.rampart.server;

import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reloader outside the watch loop: a SIGHUP late in a shutdown finds it closed and changes nothing; a
 * config that cannot be applied is a failed reload, not the end of reloading.
 */
class ConfigReloaderTest {

    @TempDir
    Path dir;

    @Test
    void aReloadAfterTheShutdownClosedTheReloaderIsIgnored() throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, "rampart { routes = [ { name = ping, respond { status = 200 } } ] }");
        AtomicInteger applied = new AtomicInteger();
        AtomicInteger counted = new AtomicInteger();
        ConfigReloader reloader = new ConfigReloader(ConfigSource.resolve(Optional.of(file)), new ConfigReloader.Target() {
            @Override
            public void apply(RampartConfig config) {
                applied.incrementAndGet();
            }

            @Override
            public void reloaded(boolean success) {
                counted.incrementAndGet();
            }
        });
        assertTrue(reloader.reload("before the shutdown"));

        reloader.close();

        assertFalse(reloader.reload("SIGHUP during the drain's last steps"));
        assertEquals(1, applied.get(), "nothing applied to a runtime being shut down");
        assertEquals(1, counted.get(), "an ignored reload is neither a success nor a failure");
    }

    @Test
    void aConfigThatFailsToApplyCountsAsAFailedReloadAndTheNextOneIsApplied() throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, "rampart { routes = [ { name = ping, respond { status = 200 } } ] }");
        AtomicInteger attempts = new AtomicInteger();
        java.util.List<Boolean> counted = new java.util.concurrent.CopyOnWriteArrayList<>();
        ConfigReloader reloader = new ConfigReloader(ConfigSource.resolve(Optional.of(file)), new ConfigReloader.Target() {
            @Override
            public void apply(RampartConfig config) {
                if (attempts.incrementAndGet() == 1) {
                    throw new IllegalArgumentException("a check the config binder does not make");
                }
            }

            @Override
            public void reloaded(boolean success) {
                counted.add(success);
            }
        });

        assertFalse(reloader.reload("an edit that cannot be applied"), "no exception escapes to the watch loop");
        assertTrue(reloader.reload("the next edit"));
        assertEquals(java.util.List.of(false, true), counted, "rampart_config_reloads_total{result=failure}, then success");
    }
    @Test
    void aFileThatCannotBeWatchedIsReloadedOnSighupAndTheProxyStartsAllTheSame() throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, "rampart { routes = [ { name = ping, respond { status = 200 } } ] }");
        AtomicInteger applied = new AtomicInteger();
        ConfigReloader reloader = new ConfigReloader(ConfigSource.resolve(Optional.of(file)), new ConfigReloader.Target() {
            @Override
            public void apply(RampartConfig config) {
                applied.incrementAndGet();
            }

            @Override
            public void reloaded(boolean success) {
            }
        }, () -> {
            // what a node whose fs.inotify.max_user_instances is used up answers
            throw new IOException("User limit of inotify instances reached or too many open files");
        });
        try (LogCapture logs = LogCapture.start()) {
            reloader.watchFile();

            assertTrue(logs.dump().contains("WARN dev.rampart.server.ConfigReloader - config file " + file.toAbsolutePath()
                    + " is not watched for changes (java.io.IOException: User limit of inotify instances reached or too"
                    + " many open files); reload it with SIGHUP"), logs.dump());
        }
        assertTrue(reloader.reload("SIGHUP"));
        assertEquals(1, applied.get());
        reloader.close();
    }
}
