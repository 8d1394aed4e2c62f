package dev.rampart.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Watches the config file's directory for changes to the file, and the links on its way: a directory on its
 * path that is a link (a {@code current -> releases/N} layout) and, when the file itself is a link (a config
 * tree managed with symlinks, a Kubernetes ConfigMap), the directory of the file it points to. Changes are
 * debounced (editors write a file in several steps) and then reloaded by the {@link ConfigReloader}.
 *
 * <p>Two daemon threads: one takes the events and stamps each change of the file as it comes ({@link FileChanges}),
 * the other waits for quiet and reloads. A reload of thousands of routes takes a second or more, a new
 * {@code jwks-uri} up to 11 s: an edit made meanwhile, stamped only once that reload was over, would look newer than
 * a SIGHUP that read it, and be loaded a second time.
 */
final class ConfigFileWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigFileWatch.class);
    static final Duration DEBOUNCE = Duration.ofMillis(300);
    /** How long a changed file that does not load is given to change again before the failure counts. */
    static final Duration SETTLE = Duration.ofSeconds(2);
    /** How often, without events, the config file's directory is checked for having been replaced. */
    static final Duration DIRECTORY_CHECK = Duration.ofSeconds(2);
    /** Links followed on the way to the config file before giving up, as the kernel's own limit. */
    private static final int MAX_LINK_HOPS = 40;

    /** Opens the file watch: the platform's, or in a test one that fails as a crowded node's does. */
    @FunctionalInterface
    interface WatchServices {
        WatchService open() throws IOException;
    }

    private final Path file;
    private final ConfigReloader reloader;
    private final Duration debounce;
    private WatchService watcher;
    /**
     * The changes seen, each stamped by {@link ConfigReloader#now} (which also stamps when reads begin): a reload that
     * began after the last (a SIGHUP sent right after the edit) has read it, and the watch does not load it again.
     * The waits below are real ones and use {@link System#nanoTime}.
     */
    private final FileChanges changes;
    /**
     * The changes the reload thread has taken in, and when the last of them was seen: one after these is a change it
     * has still to read. Its reads begin after that stamp, and stand for those changes only.
     */
    private FileChanges.Seen handled = new FileChanges.Seen(0, 0);
    private Thread reloads;
    /**
     * Each watched directory's key, and the names of the files in it whose changes count. Filled before the
     * event thread starts, then read and extended by that thread only.
     */
    private final Map<WatchKey, Set<Path>> watched = new HashMap<>();

    private ConfigFileWatch(Path file, ConfigReloader reloader, Duration debounce) {
        this.file = file;
        this.reloader = reloader;
        this.debounce = debounce;
        this.changes = new FileChanges(reloader::now);
    }

    /**
     * Watches {@code file} and reloads it through {@code reloader} on each change; returns null, having said
     * so, when no watch can be made (no inotify instance left on a crowded node): the proxy runs all the same
     * and reloads on SIGHUP, since a convenience must not keep it from starting.
     */
    static ConfigFileWatch start(Path file, WatchServices watchServices, ConfigReloader reloader, Duration debounce) {
        ConfigFileWatch watch = new ConfigFileWatch(file, reloader, debounce);
        try {
            watch.watcher = watchServices.open();
            watch.watch(watch.watched, file);
        } catch (IOException e) {
            log.warn("config file {} is not watched for changes ({}); reload it with SIGHUP", file, e.toString());
            watch.close();
            return null;
        }
        watch.watchLinks();
        Thread events = new Thread(watch::eventLoop, "rampart-config-watch");
        events.setDaemon(true);
        watch.reloads = new Thread(watch::reloadLoop, "rampart-config-reload");
        watch.reloads.setDaemon(true);
        events.start();
        watch.reloads.start();
        return watch;
    }

    /** Watches {@code file}'s directory for events about {@code file} (a directory registered twice has one key). */
    private void watch(Map<WatchKey, Set<Path>> into, Path file) throws IOException {
        Path dir = Objects.requireNonNull(file.getParent());
        WatchKey key = dir.register(watcher, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE);
        into.computeIfAbsent(key, k -> new HashSet<>()).add(file.getFileName());
    }

    /**
     * The identity (device and inode) of the config file's directory, or null when it is not there. A watch
     * follows the directory it was made on: one deleted and made again ({@code rm -rf conf; mkdir conf}) or
     * replaced by another ({@code mv conf.new conf}) sends it no event about the new one, and the file's
     * edits would be ignored without a word. Watching the parent would tell, but every change next to the
     * directory (a busy {@code /tmp}) would then wake the watch; a look at the identity now and then is cheaper.
     */
    private Object directoryIdentity() {
        try {
            return Files.readAttributes(Objects.requireNonNull(file.getParent()), BasicFileAttributes.class).fileKey();
        } catch (IOException gone) {
            return null;
        }
    }

    /** Whether the config file's directory has a live watch: a deleted one's ended, even when it is made again. */
    private boolean directoryWatched() {
        Path directory = file.getParent();
        for (WatchKey key : watched.keySet()) {
            if (key.isValid() && directory.equals(key.watchable())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Watches what the links on the way to {@code file} point to now, and stops watching what they pointed
     * to before: run again after each change, since a switched link leads elsewhere.
     */
    private void watchLinks() {
        Map<WatchKey, Set<Path>> next = new HashMap<>();
        try {
            watchLinksOnTheWay(next, file, 0);
        } catch (IOException e) {
            // Mid-switch, or the file is gone for now: keep every watch made so far, add what could be made.
            log.debug("config file {}: not every link on its way is watched", file, e);
            next.forEach((key, names) -> watched.computeIfAbsent(key, k -> new HashSet<>()).addAll(names));
            return;
        }
        for (WatchKey key : watched.keySet()) {
            if (!next.containsKey(key)) {
                key.cancel(); // a release the link no longer points to: its edits are not the config's
            }
        }
        watched.clear();
        watched.putAll(next);
    }

    /**
     * Watches {@code file}'s directory, then follows the first link on its way (from the root down): the
     * link's own directory is watched for it being switched, and the path it leads to is followed the same
     * way, through links to links, to the file it finally is (inotify follows a link once, when the watch
     * is made, so each directory on the way needs its own watch).
     */
    private void watchLinksOnTheWay(Map<WatchKey, Set<Path>> into, Path file, int hops) throws IOException {
        watch(into, file);
        if (hops >= MAX_LINK_HOPS) {
            return; // a loop: the file cannot be read anyway, and a reload says so
        }
        Path prefix = Objects.requireNonNull(file.getRoot());
        for (int i = 0; i < file.getNameCount(); i++) {
            prefix = prefix.resolve(file.getName(i));
            if (Files.isSymbolicLink(prefix)) {
                watch(into, prefix); // its directory tells when the link is switched
                // Not normalized as text: "link/.." is the link target's parent, which only the kernel knows.
                Path target = prefix.getParent().resolve(Files.readSymbolicLink(prefix));
                Path onward = i + 1 < file.getNameCount() ? target.resolve(file.subpath(i + 1, file.getNameCount())) : target;
                watchLinksOnTheWay(into, onward, hops + 1);
                return;
            }
        }
    }

    /**
     * Takes the events as they come and stamps each change of the file, never held up by a reload. The links are
     * followed anew before the stamp: an edit the new watches miss was made before it, and the read that follows
     * the stamp has it.
     */
    private void eventLoop() {
        Object directory = directoryIdentity();
        long nextCheck = System.nanoTime() + DIRECTORY_CHECK.toNanos();
        try {
            while (true) {
                WatchKey key = watcher.poll(Math.max(1, nextCheck - System.nanoTime()), TimeUnit.NANOSECONDS);
                // Every DIRECTORY_CHECK, events or not: a log written next to the config (or into the directory
                // moved away, through its open file) would otherwise put the check off for ever.
                if (System.nanoTime() - nextCheck >= 0) {
                    nextCheck = System.nanoTime() + DIRECTORY_CHECK.toNanos();
                    Object now = directoryIdentity();
                    // Not by its identity alone: a directory deleted and made again may bear the old one's (ext4 gives
                    // a new directory the inode number just freed, nearly always), but the old one's watch ended.
                    boolean unwatched = !directoryWatched();
                    boolean replaced = now != null && !now.equals(directory);
                    if (now != null && (replaced || unwatched)) {
                        directory = now; // a new directory in the old one's place: watch it, and read the file in it
                        watchLinks();
                        // One that cannot be watched (a node out of inotify watches) is tried again at each check,
                        // not read again each time.
                        if (replaced || directoryWatched()) {
                            changes.record("config directory replaced");
                        }
                    }
                }
                if (key != null && drain(key)) {
                    // The identity first: a directory replaced between the two is then one the periodic check
                    // tells from the recorded one (an extra reload), never one recorded but left unwatched.
                    directory = directoryIdentity();
                    watchLinks();
                    changes.record("file changed");
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } finally {
            changes.close();
        }
    }

    /** Waits for a change, then for quiet, and reloads; one at a time, so that the last change is read last. */
    private void reloadLoop() {
        try {
            while ((handled = changes.awaitAfter(handled.count(), Long.MAX_VALUE)) != null) {
                awaitQuiet();
                reloadOnceSettled(changes.why());
            }
        } catch (InterruptedException | Closed e) {
            // closing
        }
    }

    /** The watch is closing: ends the reload thread's wait. */
    private static final class Closed extends Exception {
        Closed() {
            super(null, null, false, false);
        }
    }

    int changesSeen() {
        return changes.seen();
    }

    /**
     * Waits until the file has been quiet for {@link #debounce}. Only its own events count: a log or a pid file
     * written next to it all the time must not put the reload off for ever.
     */
    private void awaitQuiet() throws InterruptedException, Closed {
        while (changesWithin(debounce)) {
            // each change of the file starts the quiet period again
        }
    }

    /**
     * Reloads the file, if it is there. A writer that empties the file and then writes it (a shell redirect
     * fed by a slow command, a copy over the network, a directory made anew and filled) leaves it empty or
     * half written for a moment: a file that does not load yet is given SETTLE to change again before its
     * failure is logged and counted, or every such edit would set off the reload-failure alert although it
     * ends well.
     */
    private void reloadOnceSettled(String why) throws InterruptedException, Closed {
        ConfigReloader.Loaded loaded = null;
        while (reloader.readSince(handled.lastNanos()) == null && file.toFile().isFile()
                && (loaded = reloader.tryLoad()) == null && changesWithin(SETTLE)) {
            awaitQuiet();
        }
        if (file.toFile().isFile()) {
            // What loaded, applied without reading it again; not when a reload began after the changes it was read
            // for (a SIGHUP that may have read a later one: that is the next change this thread takes in).
            reloader.reloadChange(why, handled.lastNanos(), loaded);
        } else {
            // Said, not refused: nothing was loaded. An operator who removed it by mistake learns now, not at
            // the next restart, that the running config is the only copy.
            log.warn("config file {} is gone ({}); the running config stays, and the file is read again when it "
                    + "is back (or on SIGHUP)", file, why);
        }
    }

    /** Whether the file changes again within {@code wait}, or changed since the last change this thread took in. */
    private boolean changesWithin(Duration wait) throws InterruptedException, Closed {
        int before = handled.count();
        handled = changes.awaitAfter(before, wait.toNanos());
        if (handled == null) {
            throw new Closed();
        }
        return handled.count() != before;
    }

    /** Consumes a key's events; true when one concerned the config file (a Kubernetes ConfigMap swaps a link). */
    private boolean drain(WatchKey key) {
        Set<Path> names = watched.getOrDefault(key, Set.of());
        boolean ours = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            Object context = event.context();
            if (context == null || names.contains(context) || context.toString().startsWith("..")) {
                ours = true;
            }
        }
        if (!key.reset()) {
            watched.remove(key); // its directory is gone (a ConfigMap's old data directory, say)
        }
        return ours;
    }

    @Override
    public void close() {
        changes.close();
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                log.debug("closing the config watcher", e);
            }
        }
    }
}
