package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without {@code --config}, the bundled default stands in only when nothing is at {@code conf/proxy.conf}: a link
 * to nowhere or a directory there is a mistake to report, not a reason to listen on every address with a config
 * no one chose.
 */
class ConfigSourceTest {

    @TempDir
    Path dir;

    @Test
    void nothingAtTheConventionalPathMeansTheBundledDefault() {
        ConfigSource source = ConfigSource.resolve(Optional.empty(), dir.resolve("proxy.conf"));
        assertTrue(source.file().isEmpty());
        assertEquals("the bundled default config", source.describe());
    }

    @Test
    void aLinkToNowhereAtTheConventionalPathIsRefusedNamingItsTarget() throws Exception {
        Path conventional = Files.createSymbolicLink(dir.resolve("proxy.conf"), dir.resolve("gone/proxy.conf"));
        ConfigSource source = ConfigSource.resolve(Optional.empty(), conventional);
        assertEquals(Optional.of(conventional), source.file());
        ConfigException refused = assertThrows(ConfigException.class, source::load);
        assertEquals(conventional + ": a symbolic link to " + dir.resolve("gone/proxy.conf") + ", which does not exist",
                refused.problems().get(0));
    }

    @Test
    void aDirectoryAtTheConventionalPathIsRefused() throws Exception {
        Path conventional = Files.createDirectory(dir.resolve("proxy.conf"));
        ConfigException refused = assertThrows(ConfigException.class,
                () -> ConfigSource.resolve(Optional.empty(), conventional).load());
        assertEquals(conventional + ": a directory (expected a HOCON file)", refused.problems().get(0));
    }
}
