package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.routing.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reloads the config on SIGHUP or when the file changes. Changes are debounced (editors write a file in
 * several steps); a config that fails validation is refused with the same message as at start and the
 * running one stays. Runs on its own daemon thread, never on an event loop, so it may block on the file
 * system.
 */
final class ConfigReloader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);
    static final Duration DEBOUNCE = Duration.ofMillis(300);
    /** How long a changed file that does not load is given to change again before the failure counts. */
    static final Duration SETTLE = Duration.ofSeconds(2);
    /** How often, without events, the config file's directory is checked for having been replaced. */
    static final Duration DIRECTORY_CHECK = Duration.ofSeconds(2);
    /** Links followed on the way to the config file before giving up, as the kernel's own limit. */
    private static final int MAX_LINK_HOPS = 40;

    /** What a reload does with a valid config, and how it is counted. */
    interface Target {
        /**
         * Readies what {@code config} needs before it serves and may take long (the first fetch of a key set it
         * names for the first time): done before the apply, so that a shutdown does not wait for it.
         */
        default void prepare(RampartConfig config) {
        }

        /** Applies {@code config}; returns the config now in force (the listeners may have been kept). */
        RampartConfig apply(RampartConfig config);

        void reloaded(boolean success);
    }

    /** Opens the file watch: the platform's, or in a test one that fails as a crowded node's does. */
    @FunctionalInterface
    interface WatchServices {
        WatchService open() throws IOException;
    }

    private final ConfigSource source;
    private final Target target;
    private final WatchServices watchServices;
    /** One reload at a time, so that a later one, which read the file later, is applied last. */
    private final Object reloadLock = new Object();
    /**
     * Held while a config is applied, and by {@link #close}: a shutdown waits for an apply in progress, never
     * for a load, which may be stuck on an included URL or a slow file system, nor for what the config is
     * readied with ({@link Target#prepare}).
     */
    private final Object applyLock = new Object();
    /** Closed by the shutdown: nothing is applied after it. Set under {@link #applyLock}. */
    private volatile boolean closed;
    private WatchService watcher;
    /**
     * Each watched directory's key, and the names of the files in it whose changes count. Filled before the
     * watch thread starts, then read and extended by that thread only.
     */
    private final Map<WatchKey, Set<Path>> watched = new HashMap<>();
    private Thread thread;

    ConfigReloader(ConfigSource source, Target target) {
        this(source, target, () -> FileSystems.getDefault().newWatchService());
    }

    ConfigReloader(ConfigSource source, Target target, WatchServices watchServices) {
        this.source = source;
        this.target = target;
        this.watchServices = watchServices;
    }

    /** Loads the file again now. Returns whether the new config was applied. */
    boolean reload(String why) {
        synchronized (reloadLock) {
            if (closed) {
                // A SIGHUP late in a drain: what the reload would change is being shut down.
                log.info("reload ({}) ignored: shutting down", why);
                return false;
            }
            RampartConfig next;
            try {
                next = loadChecked();
            } catch (ConfigException e) {
                // One line each, every one whole: a log collector that takes a line for an event keeps each
                // problem with the ERROR it belongs to.
                List<String> problems = e.problems();
                for (int i = 0; i < problems.size(); i++) {
                    log.error("reload ({}) refused, the running config stays{}: {}", why,
                            problems.size() == 1 ? "" : " (problem " + (i + 1) + " of " + problems.size() + ")",
                            problems.get(i));
                }
                target.reloaded(false);
                return false;
            } catch (IllegalArgumentException e) {
                log.error("reload ({}) refused, the running config stays: {}", why, e.getMessage());
                target.reloaded(false);
                return false;
            } catch (RuntimeException e) {
                // Not a config error any check foresaw, but one all the same: it must not end the watch thread,
                // or later edits would be ignored without a word.
                log.error("reload ({}) refused, the running config stays: reading it failed: {}", why, e, e);
                target.reloaded(false);
                return false;
            }
            try {
                target.prepare(next);
            } catch (RuntimeException e) {
                log.error("reload ({}) refused, the running config stays: readying it failed: {}", why, e, e);
                target.reloaded(false);
                return false;
            }
            synchronized (applyLock) {
                if (closed) {
                    log.info("reload ({}) not applied: shutting down", why);
                    return false;
                }
                return apply(next, why);
            }
        }
    }

    private boolean apply(RampartConfig next, String why) {
        RampartConfig inForce;
        try {
            inForce = target.apply(next);
        } catch (RuntimeException e) {
            // A config that passed every check and still could not be applied is a bug, but it must not
            // end the watch thread: later edits would then be ignored without a word.
            log.error("reload ({}) failed while being applied, parts of it may be in effect: {}", why, e, e);
            target.reloaded(false);
            return false;
        }
        target.reloaded(true);
        log.info("reload ({}): {} applied ({}, {})", why, source.describe(),
                count(next.routes().size(), "route"), count(next.upstreams().size(), "upstream"));
        ConfigWarningLog.log("reload (" + why + ")", inForce); // of the listeners it runs, not those asked for
        return true;
    }

    /**
     * Watches the config file's directory for changes to it, and the links on its way: a directory on its
     * path that is a link (a {@code current -> releases/N} layout) and, when the file itself is a link (a
     * config tree managed with symlinks, a Kubernetes ConfigMap), the directory of the file it points to.
     * Without a watch (no inotify instance left on a crowded node) the proxy runs all the same and reloads on
     * SIGHUP: a convenience must not keep it from starting.
     */
    void watchFile() {
        if (source.file().isEmpty()) {
            return;
        }
        Path file = source.file().get().toAbsolutePath();
        try {
            watcher = watchServices.open();
            watch(watched, file);
        } catch (IOException e) {
            log.warn("config file {} is not watched for changes ({}); reload it with SIGHUP", file, e.toString());
            closeWatcher();
            return;
        }
        watchLinks(file);
        thread = new Thread(() -> watchLoop(file), "rampart-config-watch");
        thread.setDaemon(true);
        thread.start();
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
    private static Object directoryIdentity(Path file) {
        try {
            return Files.readAttributes(Objects.requireNonNull(file.getParent()), BasicFileAttributes.class).fileKey();
        } catch (IOException gone) {
            return null;
        }
    }

    /**
     * Watches what the links on the way to {@code file} point to now, and stops watching what they pointed
     * to before: run again after each change, since a switched link leads elsewhere.
     */
    private void watchLinks(Path file) {
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

    private void watchLoop(Path file) {
        Object directory = directoryIdentity(file);
        long nextCheck = System.nanoTime() + DIRECTORY_CHECK.toNanos();
        try {
            while (true) {
                WatchKey key = watcher.poll(Math.max(1, nextCheck - System.nanoTime()), TimeUnit.NANOSECONDS);
                // Every DIRECTORY_CHECK, events or not: a log written next to the config (or into the directory
                // moved away, through its open file) would otherwise put the check off for ever.
                if (System.nanoTime() - nextCheck >= 0) {
                    nextCheck = System.nanoTime() + DIRECTORY_CHECK.toNanos();
                    Object now = directoryIdentity(file);
                    if (now != null && !now.equals(directory)) {
                        directory = now; // a new directory in the old one's place: watch it, and read the file in it
                        watchLinks(file);
                        reloadOnceSettled(file, "config directory replaced");
                    }
                }
                if (key == null) {
                    continue;
                }
                boolean ours = drain(key);
                if (!ours) {
                    continue;
                }
                awaitQuiet();
                reloadOnceSettled(file, "file changed");
                watchLinks(file);
                directory = directoryIdentity(file);
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /**
     * Waits until the file has been quiet for DEBOUNCE. Only its own events count: a log or a pid file
     * written next to it all the time must not put the reload off for ever.
     */
    private void awaitQuiet() throws InterruptedException {
        while (changesWithin(DEBOUNCE)) {
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
    private void reloadOnceSettled(Path file, String why) throws InterruptedException {
        while (file.toFile().isFile() && !loads() && changesWithin(SETTLE)) {
            awaitQuiet();
        }
        if (file.toFile().isFile()) {
            reload(why);
        }
    }

    /** Whether the file changes again within {@code wait}. */
    private boolean changesWithin(Duration wait) throws InterruptedException {
        long until = System.nanoTime() + wait.toNanos();
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            WatchKey more = watcher.poll(left, TimeUnit.NANOSECONDS);
            if (more != null && drain(more)) {
                return true;
            }
        }
        return false;
    }

    /** The file's config, with the route problems the loader cannot see checked too (as at start). */
    private RampartConfig loadChecked() {
        RampartConfig config = source.load();
        Router.compile(config.routes());
        return config;
    }

    /** Whether the file would be accepted now; says nothing and counts nothing either way. */
    private boolean loads() {
        try {
            loadChecked();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
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
        synchronized (applyLock) {
            closed = true; // after an apply in progress, before any other; a load in progress is not waited for
        }
        closeWatcher();
    }

    private void closeWatcher() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                log.debug("closing the config watcher", e);
            }
        }
    }

    /** {@code 1 route}, {@code 2 routes}: for the log lines that say what a config holds. */
    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
