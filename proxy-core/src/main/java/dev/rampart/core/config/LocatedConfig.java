package dev.rampart.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.Objects;
import java.util.Optional;

/**
 * A loaded config together with where each of its keys is written, for the problems found after loading:
 * {@code --check} learns only on the machine it runs on that a listener's host is not one of its addresses,
 * and names the file and line of that host as the loader names those of every problem it finds. The records
 * keep no origins: two configs that differ only in where a key is written are the same config.
 */
public final class LocatedConfig {

    private final RampartConfig config;
    private final Config tree;

    LocatedConfig(RampartConfig config, Config tree) {
        this.config = Objects.requireNonNull(config, "config");
        this.tree = Objects.requireNonNull(tree, "tree");
    }

    public RampartConfig config() {
        return config;
    }

    /**
     * Where the key at {@code path} (such as {@code rampart.server.host}) is written, as {@code file:line} (or
     * {@code environment variable NAME} for a value substituted from one); empty when it is not written and its
     * default applies.
     */
    public Optional<String> where(String path) {
        try {
            return tree.hasPath(path) ? Optional.of(Problems.where(tree.getValue(path).origin())) : Optional.empty();
        } catch (ConfigException.BadPath e) {
            throw new IllegalArgumentException("path: " + path + " (expected: a HOCON key path)", e);
        }
    }
}
