package dev.rampart.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where a loaded config's keys are written, for the problems {@code --check} finds after loading. */
class LocatedConfigTest {

    @TempDir
    Path dir;

    @Test
    void aWrittenKeyIsNamedByFileAndLineAnEnvironmentValueByItsVariableADefaultByNothing() throws Exception {
        Path file = Files.writeString(dir.resolve("p.conf"), """
                rampart {
                  server {
                    host = "10.0.0.5"
                  }
                  admin { host = ${?ADMIN_HOST} }
                  routes = [ { respond { status = 204 } } ]
                }
                """);

        LocatedConfig located = ConfigLoader.loadLocated(file, Map.of("ADMIN_HOST", "127.0.0.2"));

        assertEquals("10.0.0.5", located.config().server().host());
        assertEquals(Optional.of(file + ":3"), located.where("rampart.server.host"));
        assertEquals(Optional.of("environment variable ADMIN_HOST"), located.where("rampart.admin.host"));
        assertEquals(Optional.empty(), located.where("rampart.server.port"), "not written: its default applies");
    }
}
