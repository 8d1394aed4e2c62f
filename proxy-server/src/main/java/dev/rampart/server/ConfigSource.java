package dev.rampart.server;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RampartConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the config comes from: the {@code --config} file, else {@code conf/proxy.conf} when present,
 * else the default bundled in the jar (which cannot be reloaded from disk).
 */
final class ConfigSource {

    static final Path CONVENTIONAL = Path.of("conf", "proxy.conf");

    private final Path file;

    private ConfigSource(Path file) {
        this.file = file;
    }

    static ConfigSource resolve(Optional<Path> explicit) {
        if (explicit.isPresent()) {
            return new ConfigSource(explicit.get());
        }
        return new ConfigSource(Files.isRegularFile(CONVENTIONAL) ? CONVENTIONAL : null);
    }

    /** The file to watch and reload, if any. */
    Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    String describe() {
        return file == null ? "the bundled default config" : file.toString();
    }

    /** Loads and validates; throws {@link dev.rampart.core.config.ConfigException} naming file, line and key. */
    RampartConfig load() {
        if (file == null) {
            return ConfigLoader.loadDefault();
        }
        if (Files.isDirectory(file)) {
            throw new dev.rampart.core.config.ConfigException(java.util.List.of(
                    file + ": a directory (expected a HOCON file)"));
        }
        if (!Files.exists(file)) {
            throw new dev.rampart.core.config.ConfigException(java.util.List.of(
                    file + ": no such file"));
        }
        if (!Files.isRegularFile(file)) {
            // A pipe (--config <(...)) or a device: read once, it could not be read again on reload.
            throw new dev.rampart.core.config.ConfigException(java.util.List.of(
                    file + ": not a regular file (expected a HOCON file, which is read again on reload)"));
        }
        return ConfigLoader.load(file);
    }
}
