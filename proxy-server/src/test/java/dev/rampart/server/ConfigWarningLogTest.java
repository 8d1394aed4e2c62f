package dev.rampart.server;

import dev.rampart.core.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warnings {@code --check} prints are logged at start and after each applied reload, not only by {@code --check}. */
class ConfigWarningLogTest {

    private static final String WARNING = "config warning: upstream \"app\": circuit-breaker.enabled = false;"
            + " a failing endpoint keeps receiving full traffic";

    @TempDir
    Path dir;
    private RampartServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown("test");
        }
    }

    private static String config(boolean breaker) {
        return """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  access-log { enabled = false }
                  upstreams { app { endpoints = ["127.0.0.1:9"], circuit-breaker { enabled = %s } } }
                  routes = [ { name = app, upstream = app } ]
                }
                """.formatted(breaker);
    }

    @Test
    void theWarningsOfTheConfigAreLoggedAtStart() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            Path file = startWith(config(false));

            assertTrue(logs.dump().contains("WARN dev.rampart.server.ConfigWarningLog - start: " + WARNING), logs.dump());
        }
    }

    @Test
    void aReloadWarnsOfTheListenersStillInForceNotOfThoseItCouldNotApply() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            Path file = startWith(config(true).replace("admin { port = 0 }", "admin { host = \"0.0.0.0\", port = 0 }"));

            Files.writeString(file, config(false)); // admin back on loopback: takes effect only after a restart

            String expected = "reload (file changed): config warning: admin: host \"0.0.0.0\" is not a loopback address";
            awaitLogged(logs, "reload (file changed): " + WARNING);
            assertTrue(logs.dump().contains(expected), logs.dump());
        }
    }

    @Test
    void anAppliedReloadLogsTheWarningsOfTheNewConfig() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            Path file = startWith(config(true));
            assertFalse(logs.dump().contains("config warning"), logs.dump());

            Files.writeString(file, config(false));

            awaitLogged(logs, "WARN dev.rampart.server.ConfigWarningLog - reload (file changed): " + WARNING);
        }
    }

    /** Starts the server on a config file of {@code text}; returns the file. */
    private Path startWith(String text) throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, text);
        ConfigSource source = ConfigSource.resolve(Optional.of(file));
        server = RampartServer.start(source, source.load(), false);
        return file;
    }

    private static void awaitLogged(LogCapture logs, String expected) throws InterruptedException {
        long until = System.nanoTime() + 15_000_000_000L;
        while (!logs.dump().contains(expected) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertTrue(logs.dump().contains(expected), logs.dump());
    }
}
