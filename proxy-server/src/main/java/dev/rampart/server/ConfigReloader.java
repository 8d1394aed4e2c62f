package dev.rampart.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.LocatedConfig;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.routing.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.FileSystems;
import java.time.Duration;
import java.util.List;

/**
 * Reloads the config on SIGHUP or when {@link ConfigFileWatch} sees the file change. A config that fails
 * validation is refused with the same message as at start and the running one stays. Runs on the signal's
 * or the watch's thread, never on an event loop, so it may block on the file system.
 */
final class ConfigReloader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

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

    /**
     * Thrown by {@link Target#apply} when it finds, before changing anything, that the config cannot serve (a file it
     * names became unusable after the check read it): the reload is refused and the running config stays whole.
     */
    static final class Refused extends RuntimeException {
        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ConfigSource source;
    private final Target target;
    private final ConfigFileWatch.WatchServices watchServices;
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
    private ConfigFileWatch watch;
    private final Duration watchDebounce;
    /**
     * Orders reads against changes: when a read began and when the watch saw the file change are both read from
     * it, and only compared with each other (never taken as durations), so a test moves it to put a change
     * before, at or after a read without waiting.
     */
    private final Ticker ticker;
    /**
     * The last reload that read the file and loaded it: when its read began ({@link #ticker}), why, and the file as
     * it was then (null without a file, or when it could not be read). Set under {@link #reloadLock}.
     */
    private volatile LastRead lastRead;

    record LastRead(long startedNanos, String why, ConfigFileState file) {
    }

    ConfigReloader(ConfigSource source, Target target) {
        this(source, target, () -> FileSystems.getDefault().newWatchService());
    }

    ConfigReloader(ConfigSource source, Target target, ConfigFileWatch.WatchServices watchServices) {
        this(source, target, watchServices, ConfigFileWatch.DEBOUNCE);
    }

    /** As above, with the file watch's quiet period: for tests. */
    ConfigReloader(ConfigSource source, Target target, ConfigFileWatch.WatchServices watchServices,
                   Duration watchDebounce) {
        this(source, target, watchServices, watchDebounce, Ticker.systemTicker());
    }

    /** As above, with what orders reads and changes: for tests. */
    ConfigReloader(ConfigSource source, Target target, ConfigFileWatch.WatchServices watchServices,
                   Duration watchDebounce, Ticker ticker) {
        this.source = source;
        this.target = target;
        this.watchServices = watchServices;
        this.watchDebounce = watchDebounce;
        this.ticker = ticker;
    }

    /** Loads the file again now. Returns whether the new config was applied. */
    boolean reload(String why) {
        synchronized (reloadLock) {
            return reloadLocked(why, null, fileState());
        }
    }

    /**
     * Loads the file again for a change seen at {@code changedNanos} ({@link #now}), unless a reload
     * that began after it has read and loaded the file already: a tool that writes the config and at once sends
     * SIGHUP (a config-management handler, a Kubernetes reloader) would otherwise have the change applied twice.
     * {@code loaded}, when not null, is the file as {@link #tryLoad} read it after the change, applied as it is
     * instead of reading it once more. Returns whether a new config was applied.
     */
    boolean reloadChange(String why, long changedNanos, Loaded loaded) {
        synchronized (reloadLock) {
            LastRead read = readSince(changedNanos);
            if (read != null) {
                log.info("reload ({}) not needed: reload ({}) read the file after the change", why, read.why());
                return false;
            }
            LastRead last = lastRead;
            // Taken before this reload reads the file, so it also stands for what that read.
            ConfigFileState file = loaded != null ? loaded.file() : fileState();
            if (last != null && last.file() != null && last.file().equals(file)) {
                // The change's event came after that read began, but the file is still the one it read.
                log.info("reload ({}) not needed: reload ({}) read the file as it is", why, last.why());
                return false;
            }
            return reloadLocked(why, loaded, file);
        }
    }

    /** A config {@link #tryLoad} read and checked, when its read began ({@link #now}) and the file as it was then. */
    record Loaded(RampartConfig config, long startedNanos, ConfigFileState file) {
    }

    /**
     * Now, as reads and changes are ordered: what the watch stamps a change with, so that it compares with when
     * reads began.
     */
    long now() {
        return ticker.read();
    }

    /**
     * The reload that began reading the file after {@code changedNanos} and loaded it, or null when none did. Compared
     * as a difference, as {@link System#nanoTime} values must be: they may wrap.
     */
    LastRead readSince(long changedNanos) {
        LastRead read = lastRead;
        return read != null && read.startedNanos() - changedNanos > 0 ? read : null;
    }

    /**
     * Under {@link #reloadLock}; reads the file unless {@code loaded} holds what it read. {@code file} is the file as
     * it was before that read (see {@link ConfigFileState}).
     */
    private boolean reloadLocked(String why, Loaded loaded, ConfigFileState file) {
        if (closed) {
            // A SIGHUP late in a drain: what the reload would change is being shut down.
            log.info("reload ({}) ignored: shutting down", why);
            return false;
        }
        long started = loaded != null ? loaded.startedNanos() : now();
        RampartConfig next;
        try {
            next = loaded != null ? loaded.config() : loadChecked();
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
        } catch (RuntimeException | Error e) {
            // Not a config error any check foresaw, but one all the same: it must not end the watch thread,
            // or later edits would be ignored without a word. An Error too: a class the new config needs for the
            // first time cannot be loaded once the jar was replaced under the running process (an upgrade that
            // copies the new jar before the restart), and a reload is where that shows.
            log.error("reload ({}) refused, the running config stays: reading it failed: {}", why, e, e);
            target.reloaded(false);
            return false;
        }
        // Only a read that loaded counts as having read a change: one that failed (an included URL down for a
        // moment) leaves the watch to read it again.
        lastRead = new LastRead(started, why, file);
        try {
            target.prepare(next);
        } catch (RuntimeException | Error e) {
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

    private boolean apply(RampartConfig next, String why) {
        RampartConfig inForce;
        try {
            inForce = target.apply(next);
        } catch (Refused e) {
            log.error("reload ({}) refused, the running config stays: {}", why, e.getMessage());
            target.reloaded(false);
            return false;
        } catch (RuntimeException | Error e) {
            // A config that passed every check and still could not be applied is a bug (or a class missing from a
            // jar replaced under the process), but it must not end the watch thread: later edits would then be
            // ignored without a word.
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
     * Starts watching the config file, when there is one, so that each change to it reloads it (see
     * {@link ConfigFileWatch}).
     */
    void watchFile() {
        source.file().ifPresent(file -> watch = ConfigFileWatch.start(file.toAbsolutePath(), watchServices, this,
                watchDebounce));
    }

    /** The file watch, or null when there is none: for tests. */
    ConfigFileWatch watch() {
        return watch;
    }

    /** The config file as it is now, taken before a read; null without a file. */
    private ConfigFileState fileState() {
        return source.file().map(ConfigFileState::of).orElse(null);
    }

    /**
     * The file's config, with the problems the loader cannot see checked too: its routes (as at start), and hosts
     * the start could not listen on ({@link ListenerHosts}, as {@code --check}). A reload keeps the listeners, so it
     * would not fail on such a host itself; but the file it accepted would then stop the next restart.
     */
    private RampartConfig loadChecked() {
        LocatedConfig located = source.loadLocated();
        RampartConfig config = located.config();
        Router.compile(config.routes());
        ListenerHosts.require(located);
        return config;
    }

    /**
     * The file's config, read and checked now, or null when it would be refused; says nothing and counts nothing
     * either way. A config of thousands of routes takes a second to read: the watch applies what this read.
     */
    Loaded tryLoad() {
        long started = now();
        ConfigFileState file = fileState();
        try {
            return new Loaded(loadChecked(), started, file);
        } catch (RuntimeException | Error e) {
            return null; // the reload that follows reads it again, and says why it is refused
        }
    }

    @Override
    public void close() {
        synchronized (applyLock) {
            closed = true; // after an apply in progress, before any other; a load in progress is not waited for
        }
        if (watch != null) {
            watch.close();
        }
    }

    /** {@code 1 route}, {@code 2 routes}: for the log lines that say what a config holds. */
    static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
