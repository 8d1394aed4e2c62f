package dev.rampart.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A port another process holds ends the start with one line that names the key to change and the file and line it is
 * written on, as {@code --check} names a host it cannot listen on (and HAProxy the {@code bind} line it cannot bind).
 */
class PortTakenAtStartIT {

    @TempDir
    Path dir;

    @Test
    void aListenerPortInUseNamesServerPortAndWhereItIsWritten() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path file = Files.writeString(dir.resolve("proxy.conf"), """
                    rampart {
                      server { host = "127.0.0.1"
                        port = %d }
                      admin { port = 0 }
                      routes = [ { name = ping, respond { status = 200 } } ]
                    }
                    """.formatted(taken.getLocalPort()));
            String err = failedStart(file);
            assertTrue(err.contains("rampart: cannot start: rampart.server.port: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + ": the port is in use"), err);
            assertTrue(err.contains("(" + file + ":3)"), err);
        }
    }

    @Test
    void anAdminPortInUseNamesAdminPortAndWhereItIsWritten() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path file = Files.writeString(dir.resolve("proxy.conf"), """
                    rampart {
                      server { host = "127.0.0.1", port = 0 }
                      admin { port = %d }
                      routes = [ { name = ping, respond { status = 200 } } ]
                    }
                    """.formatted(taken.getLocalPort()));
            String err = failedStart(file);
            assertTrue(err.contains("rampart: cannot start: rampart.admin.port: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + ": the port is in use"), err);
            assertTrue(err.contains("(" + file + ":3)"), err);
        }
    }

    private static String failedStart(Path config) throws Exception {
        try (RampartProcess rampart = RampartProcess.start("--config", config.toString())) {
            assertEquals(1, rampart.awaitExit(30), rampart.stderr());
            String err = rampart.stderr();
            assertFalse(err.contains("\tat "), err);
            return err;
        }
    }
}
