package dev.rampart.server;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RampartConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A reload keeps the sockets the process listens on, says which changed keys it could not apply, and applies the rest. */
class ListenerSettingsTest {

    private static RampartConfig config(String server, String admin) {
        return ConfigLoader.parse("""
                rampart {
                  server { %s }
                  admin { %s }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(server, admin), "test");
    }

    @Test
    void onlyListenerKeysAreReportedAsNeedingARestart() {
        RampartConfig running = config("port = 8080, idle-timeout = 60s", "port = 9901");

        assertEquals(List.of(), ListenerSettings.changed(running, config("port = 8080, idle-timeout = 5s, "
                + "max-request-body = 1m, shutdown-grace = 3s", "port = 9901")));
        assertEquals(List.of("server.host", "server.port", "admin.port"), ListenerSettings.changed(running,
                config("host = \"127.0.0.1\", port = 8085", "port = 9902")));
        assertEquals(List.of("server.reuse-port"), ListenerSettings.changed(running,
                config("port = 8080, reuse-port = true", "port = 9901")));
    }

    @Test
    void theAppliedConfigKeepsTheRunningListenersAndTakesTheRest() {
        RampartConfig running = config("port = 8080, idle-timeout = 60s", "port = 9901");
        RampartConfig loaded = config("port = 8085, idle-timeout = 5s, reuse-port = true", "port = 9902");

        RampartConfig applied = ListenerSettings.keptFrom(running, loaded);

        assertEquals(8080, applied.server().port(), "where the process really listens");
        assertEquals(9901, applied.admin().port());
        assertEquals(false, applied.server().reusePort(), "its sockets stay as they were bound");
        assertEquals(Duration.ofSeconds(5), applied.server().idleTimeout(), "applies to new connections");
        assertEquals(loaded.routes(), applied.routes());
    }
}
