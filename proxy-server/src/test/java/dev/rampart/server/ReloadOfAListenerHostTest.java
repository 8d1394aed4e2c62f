package dev.rampart.server;

import dev.rampart.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload is refused, with the words of {@code --check}, when the file names a listener or admin host the start
 * could not listen on: applied with a warning that the host waits for a restart, it counted as a success and left
 * on disk a config that the next restart refuses (and {@code --check} calls invalid).
 */
class ReloadOfAListenerHostTest {

    @TempDir
    Path dir;

    @Test
    void aListenerAddressOfAnotherMachineRefusesTheReloadAsTheStartAndCheckWouldNamingWhereItIsWritten()
            throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, config("127.0.0.1", "first"));
        RecordingReloadTarget target = new RecordingReloadTarget();
        ConfigReloader reloader = new ConfigReloader(ConfigSource.resolve(Optional.of(file)), target, () -> {
            throw new AssertionError("not watched in this test");
        });
        assertTrue(reloader.reload("SIGHUP"));

        // TEST-NET-3 (RFC 5737): a documentation address, no machine's own, and no lookup is needed.
        Files.writeString(file, config("203.0.113.7", "second"));
        try (LogCapture logs = LogCapture.start()) {
            assertFalse(reloader.reload("SIGHUP"));

            assertTrue(logs.dump().contains("reload (SIGHUP) refused, the running config stays: rampart.server.host:"
                    + " cannot listen on 203.0.113.7: not an address of this machine (" + file + ":2)"), logs.dump());
        }
        assertEquals(List.of("first"), target.routes, "nothing of the refused config is applied");
        assertEquals(List.of(true, false), target.counted, "rampart_config_reloads_total{result=failure}");

        Files.writeString(file, config("127.0.0.1", "third"));
        assertTrue(reloader.reload("SIGHUP"), "the next edit that fixes it is applied");
        assertEquals(List.of("first", "third"), target.routes);
    }

    private static String config(String host, String route) {
        return "rampart {\n"
                + "  server { host = \"" + host + "\", port = 0 }\n"
                + "  admin { port = 0 }\n"
                + "  routes = [ { name = " + route + ", respond { status = 200 } } ]\n"
                + "}\n";
    }
}
