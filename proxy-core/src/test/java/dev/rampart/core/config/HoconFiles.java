package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes HOCON to real files, so that error messages carry a real file name and line. */
final class HoconFiles {

    /** The smallest valid config: one upstream, one route. */
    static final String MINIMAL = """
            rampart {
              upstreams { app { endpoints = ["127.0.0.1:8081"] } }
              routes = [ { upstream = app } ]
            }
            """;

    private HoconFiles() {
    }

    static Path write(Path dir, String text) {
        try {
            return Files.writeString(dir.resolve("rampart.conf"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RampartConfig load(Path dir, String text) {
        return ConfigLoader.load(write(dir, text), Map.of());
    }

    /** The problems a config is rejected with; fails the test when it is accepted. */
    static List<String> problems(Path file) {
        return problems(file, Map.of());
    }

    static List<String> problems(Path file, Map<String, String> env) {
        try {
            ConfigLoader.load(file, env);
        } catch (ConfigException e) {
            return e.problems();
        }
        return fail("expected the config to be rejected:\n" + readQuietly(file));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
