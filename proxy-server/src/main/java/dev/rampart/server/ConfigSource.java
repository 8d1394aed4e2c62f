package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.ConfigUnits;
import dev.rampart.core.config.LocatedConfig;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.observe.LogText;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where the config comes from: the {@code --config} file, else {@code conf/proxy.conf} when present,
 * else the default bundled in the jar (which cannot be reloaded from disk).
 */
final class ConfigSource {

    static final Path CONVENTIONAL = Path.of("conf", "proxy.conf");
    /**
     * The longest reading the config may take. Included URLs have timeouts to connect and between reads, but a
     * server that answers a byte every few seconds would still hold the start, {@code --check}, or the reload
     * (and every reload after it) for ever.
     */
    static final Duration LOAD_DEADLINE = Duration.ofSeconds(60);

    private final Path file;
    private final Duration deadline;
    /** Whether the file is read once only ({@code --check}), so that a pipe will do. */
    private final boolean once;

    private ConfigSource(Path file, Duration deadline, boolean once) {
        this.file = file;
        this.deadline = deadline;
        this.once = once;
    }

    /** The same source, read within {@code deadline} instead of {@link #LOAD_DEADLINE}: for tests. */
    ConfigSource within(Duration deadline) {
        return new ConfigSource(file, deadline, once);
    }

    /**
     * The same source, to be read once and never again: a pipe or a device is taken as well as a file, as in
     * {@code render-config | rampart --check --config /dev/stdin} (a config that serves is read again on reload).
     */
    ConfigSource readOnce() {
        return new ConfigSource(file, deadline, true);
    }

    static ConfigSource resolve(Optional<Path> explicit) {
        return resolve(explicit, CONVENTIONAL);
    }

    /**
     * As above, with {@code conventional} in place of {@code conf/proxy.conf}. Only a path with nothing at it
     * falls back to the bundled default: a link to nowhere (a ConfigMap mount gone wrong) or a directory there
     * is refused when it is read, as nginx refuses its, rather than replaced by a config that listens on every
     * address and forwards to a port no one chose.
     */
    static ConfigSource resolve(Optional<Path> explicit, Path conventional) {
        if (explicit.isPresent()) {
            return new ConfigSource(explicit.get(), LOAD_DEADLINE, false);
        }
        boolean present = Files.exists(conventional, LinkOption.NOFOLLOW_LINKS);
        return new ConfigSource(present ? conventional : null, LOAD_DEADLINE, false);
    }

    private static String linkTarget(Path link) {
        try {
            return LogText.oneLine(Files.readSymbolicLink(link).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return "a path that cannot be read";
        }
    }

    /** The file to watch and reload, if any. */
    Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The file as messages name it: on one line, a line break in its name escaped as problems show it. */
    String describe() {
        return file == null ? "the bundled default config" : LogText.oneLine(file.toString());
    }

    /** Loads and validates; throws {@link ConfigException} naming file, line and key. */
    RampartConfig load() {
        return loadLocated().config();
    }

    /** As {@link #load()}, keeping where each key is written, for the problems found after loading. */
    LocatedConfig loadLocated() {
        if (file == null) {
            return ConfigLoader.loadDefaultLocated();
        }
        if (Files.isDirectory(file)) {
            throw new ConfigException(List.of(
                    file + ": a directory (expected a HOCON file)"));
        }
        if (!Files.exists(file)) {
            throw new ConfigException(List.of(file + (Files.isSymbolicLink(file)
                    ? ": a symbolic link to " + linkTarget(file) + ", which does not exist" : ": no such file")));
        }
        if (!Files.isRegularFile(file) && !once) {
            // A pipe (--config <(...)) or a device: read once, it could not be read again on reload.
            throw new ConfigException(List.of(
                    file + ": not a regular file (expected a HOCON file, which is read again on reload)"));
        }
        return loadWithinDeadline(file);
    }

    /**
     * Reads {@code file} on a thread of its own and waits at most {@link #deadline}; a read still going then is
     * left to its timeouts (it is a daemon thread, and nothing it reads is used).
     */
    private LocatedConfig loadWithinDeadline(Path file) {
        FutureTask<LocatedConfig> read = new FutureTask<>(() -> ConfigLoader.loadLocated(file));
        Thread reader = new Thread(read, "rampart-config-read");
        reader.setDaemon(true);
        reader.start();
        try {
            return read.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            reader.interrupt();
            throw new ConfigException(List.of(file + ": not read within " + ConfigUnits.duration(deadline)
                    + " (an included URL that answers too slowly?)"));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure; // a ConfigException naming file, line and key, as when read on this thread
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException(List.of(file + ": reading it was interrupted"));
        }
    }
}
