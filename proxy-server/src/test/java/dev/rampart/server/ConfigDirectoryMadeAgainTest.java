package dev.rampart.server;

import dev.rampart.core.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The config directory deleted and made again once the watch has seen it emptied: {@code rm conf/proxy.conf}, the
 * watch takes that in, then {@code rmdir conf; mkdir conf; cp ... conf/}. ext4 gives the new directory the inode
 * number the old one had, nearly always, so the directory's identity alone does not tell it is another one, while
 * the watch on the old one ended with it. {@link ConfigFileWatchTest} deletes both at once, and its watch mostly
 * finds the directory already gone; this is the order it met now and then on a busy machine, made certain.
 */
class ConfigDirectoryMadeAgainTest {

    private static final Duration DEBOUNCE = Duration.ofMillis(100);

    @TempDir
    Path dir;
    private final RecordingReloadTarget target = new RecordingReloadTarget();

    @Test
    void aDirectoryEmptiedThenDeletedAndMadeAgainIsWatchedAgain() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path file = Files.writeString(conf.resolve("proxy.conf"), config("one"));
        ConfigReloader reloader = reloader(file);
        reloader.watchFile();
        try {
            Object before = identity(conf);
            Files.delete(file);
            awaitChangesSeen(reloader, 1); // it looked at the directory while the directory was still there

            // rmdir conf; mkdir conf, until the new directory has the old one's identity (ext4 gives it at the first
            // go, nearly always): the case where only the ended watch tells that it is another directory.
            boolean sameIdentity = false;
            for (int tries = 0; tries < 20 && !sameIdentity; tries++) {
                Files.delete(conf);
                Files.createDirectories(conf);
                sameIdentity = before.equals(identity(conf));
            }
            // Empty for longer than a change takes to settle, so that the reload for the removal mostly finds no file
            // and "two" is the directory check's to find; should it read "two" after all, "three" still needs the
            // new directory watched: the wait decides which step catches a miss, never whether the test passes.
            Thread.sleep(3 * DEBOUNCE.toMillis());
            Files.writeString(file, config("two")); // cp ... conf/

            awaitApplied("two", "the new directory has the old one's identity: " + sameIdentity);
            Files.writeString(file, config("three")); // an edit in the new directory, told by its own watch
            awaitApplied("three", "the new directory has the old one's identity: " + sameIdentity);
        } finally {
            reloader.close();
        }
    }

    private static Object identity(Path directory) throws Exception {
        return Files.readAttributes(directory, BasicFileAttributes.class).fileKey();
    }

    private static String config(String route) {
        return "rampart { routes = [ { name = " + route + ", respond { status = 200 } } ] }";
    }

    private ConfigReloader reloader(Path file) {
        return new ConfigReloader(ConfigSource.resolve(Optional.of(file)), target,
                () -> FileSystems.getDefault().newWatchService(), DEBOUNCE);
    }

    private static void awaitChangesSeen(ConfigReloader reloader, int count) {
        Await.until(() -> reloader.watch().changesSeen() >= count,
                () -> "the watch to see " + count + " change(s); it saw " + reloader.watch().changesSeen());
    }

    /** Waits, longer than a few of the watch's directory checks, for {@code route} to be the last config applied. */
    private void awaitApplied(String route, String context) {
        List<String> applied = target.routes;
        Await.until(() -> !applied.isEmpty() && applied.get(applied.size() - 1).equals(route),
                () -> route + " applied last; applied " + applied + " (" + context + ")");
    }
}
