package dev.rampart.server;

import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload that meets an Error rather than an exception: a class the new config needs for the first time and that
 * cannot be loaded, because the jar was replaced under the running process (an upgrade that copies the new jar
 * before the restart). The reload is refused and counted like any other, and the watch goes on: before, the
 * Error ended the watch's thread, and every later edit of the file was ignored without a word.
 */
class ReloadAfterAnErrorTest {

    @TempDir
    Path dir;

    @Test
    void anErrorReadyingAnEditIsARefusedReloadAndTheNextEditIsStillApplied() throws Exception {
        Path file = Files.writeString(dir.resolve("proxy.conf"), config("ping"));
        FailingOnce target = new FailingOnce(true);
        ConfigReloader reloader = new ConfigReloader(ConfigSource.resolve(Optional.of(file)), target,
                () -> FileSystems.getDefault().newWatchService());
        reloader.watchFile();
        try (LogCapture logs = LogCapture.start()) {
            Files.writeString(file, config("first"));
            awaitCounted(target, 1);
            assertEquals(List.of(false), target.counted, "rampart_config_reloads_total{result=failure}");
            assertTrue(logs.dump().contains("reload (file changed) refused, the running config stays: readying it"
                    + " failed: java.lang.NoClassDefFoundError: com/nimbusds/jose/jwk/JWKSet"), logs.dump());

            Files.writeString(file, config("second"));
            awaitCounted(target, 2);
            assertEquals(List.of(false, true), target.counted);
            assertEquals(List.of("second"), target.routes, "the watch still reads the file");
        } finally {
            reloader.close();
        }
    }

    @Test
    void anErrorApplyingASighupIsAFailedReloadAndTheNextOneIsApplied() throws Exception {
        Path file = Files.writeString(dir.resolve("proxy.conf"), config("ping"));
        FailingOnce target = new FailingOnce(false);
        ConfigReloader reloader = new ConfigReloader(ConfigSource.resolve(Optional.of(file)), target, () -> {
            throw new AssertionError("not watched in this test");
        });

        assertFalse(reloader.reload("SIGHUP"), "no Error escapes to the signal's thread");
        assertTrue(reloader.reload("SIGHUP"));
        assertEquals(List.of(false, true), target.counted);
    }

    private static String config(String route) {
        return "rampart { routes = [ { name = " + route + ", respond { status = 200 } } ] }";
    }

    private static void awaitCounted(FailingOnce target, int reloads) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (target.counted.size() < reloads && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertEquals(reloads, target.counted.size(), "reloads counted: " + target.counted);
    }

    /** Throws, the first time, the Error a class missing from a replaced jar gives: in prepare, or in apply. */
    private static final class FailingOnce implements ConfigReloader.Target {
        final List<Boolean> counted = new CopyOnWriteArrayList<>();
        final List<String> routes = new CopyOnWriteArrayList<>();
        private final AtomicInteger calls = new AtomicInteger();
        private final boolean inPrepare;

        FailingOnce(boolean inPrepare) {
            this.inPrepare = inPrepare;
        }

        @Override
        public void prepare(RampartConfig config) {
            if (inPrepare) {
                failTheFirstTime();
            }
        }

        @Override
        public RampartConfig apply(RampartConfig config) {
            if (!inPrepare) {
                failTheFirstTime();
            }
            routes.add(config.routes().get(0).name());
            return config;
        }

        private void failTheFirstTime() {
            if (calls.incrementAndGet() == 1) {
                throw new NoClassDefFoundError("com/nimbusds/jose/jwk/JWKSet");
            }
        }

        @Override
        public void reloaded(boolean success) {
            counted.add(success);
        }
    }
}
