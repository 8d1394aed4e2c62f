package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.routing.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Objects;
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

    /** What a reload does with a valid config, and how it is counted. */
    interface Target {
        void apply(RampartConfig config);

        void reloaded(boolean success);
    }

    private final ConfigSource source;
    private final Target target;
    private final Object lock = new Object();
    private WatchService watcher;
    private Thread thread;

    ConfigReloader(ConfigSource source, Target target) {
        this.source = source;
        this.target = target;
    }

    /** Loads the file again now. Returns whether the new config was applied. */
    boolean reload(String why) {
        synchronized (lock) {
            RampartConfig next;
            try {
                next = source.load();
                Router.compile(next.routes());
            } catch (ConfigException | IllegalArgumentException e) {
                log.error("reload ({}) refused, the running config stays: {}", why, e.getMessage());
                target.reloaded(false);
                return false;
            }
            target.apply(next);
            target.reloaded(true);
            log.info("reload ({}): {} applied ({} routes, {} upstreams)", why, source.describe(),
                    next.routes().size(), next.upstreams().size());
            return true;
        }
    }

    /** Watches the config file's directory for changes to it. */
    void watchFile() throws IOException {
        if (source.file().isEmpty()) {
            return;
        }
        Path file = source.file().get().toAbsolutePath();
        Path dir = Objects.requireNonNull(file.getParent());
        watcher = FileSystems.getDefault().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE);
        thread = new Thread(() -> watchLoop(file), "rampart-config-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watchLoop(Path file) {
        Path name = file.getFileName();
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean ours = drain(key, name);
                if (!ours) {
                    continue;
                }
                // Debounce: wait until the file has been quiet for DEBOUNCE. Only its own events count: a log
                // or a pid file written next to it all the time must not put the reload off for ever.
                long lastChange = System.nanoTime();
                long left;
                while ((left = DEBOUNCE.toNanos() - (System.nanoTime() - lastChange)) > 0) {
                    WatchKey more = watcher.poll(left, TimeUnit.NANOSECONDS);
                    if (more != null && drain(more, name)) {
                        lastChange = System.nanoTime();
                    }
                }
                if (file.toFile().isFile()) {
                    reload("file changed");
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /** Consumes a key's events; true when one concerned the config file (a Kubernetes ConfigMap swaps a link). */
    private static boolean drain(WatchKey key, Path name) {
        boolean ours = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            Object context = event.context();
            if (context == null || name.equals(context) || context.toString().startsWith("..")) {
                ours = true;
            }
        }
        key.reset();
        return ours;
    }

    @Override
    public void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                log.debug("closing the config watcher", e);
            }
        }
    }
}
