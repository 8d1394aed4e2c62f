package dev.rampart.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener name whose first address is another machine's and whose next is this one's: the start binds the one
 * here and leaves the other out (ListeningSockets), so neither {@code --check} nor the start may refuse the name for
 * the order its addresses come in; the admin port takes a name alike. The name is the JVM's own hosts file's
 * ({@code jdk.net.hosts.file}), so no name service is asked.
 */
class ListenerNameOfSeveralAddressesIT {

    @TempDir
    Path dir;

    @Test
    void aNameWhoseFirstAddressIsAnotherMachinesPassesTheCheck() throws Exception {
        try (RampartProcess rampart = RampartProcess.start(this::hostsFile, "--check", "--config",
                config().toString())) {
            assertEquals(0, rampart.awaitExit(30), rampart.stderr());
        }
    }

    /** The admin port binds a name as the listener does: the address here serves it, the other is left out. */
    @Test
    void anAdminNameWhoseFirstAddressIsAnotherMachinesPassesTheCheckAndServesOnTheOneHere() throws Exception {
        Path file = Files.writeString(dir.resolve("admin.conf"), """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { host = "proxy-name", port = 0 }
                  routes = [ { name = ping, respond { status = 200 } } ]
                }
                """);
        try (RampartProcess rampart = RampartProcess.start(this::hostsFile, "--check", "--config", file.toString())) {
            assertEquals(0, rampart.awaitExit(30), rampart.stderr());
        }
        try (RampartProcess rampart = RampartProcess.start(this::hostsFile, "--config", file.toString())) {
            rampart.awaitListening();
            HttpResponse<Void> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + rampart.adminPort() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(200, response.statusCode());
        }
    }

    @Test
    void aNameWhoseFirstAddressIsAnotherMachinesStartsOnTheOneHere() throws Exception {
        try (RampartProcess rampart = RampartProcess.start(this::hostsFile, "--config", config().toString())) {
            rampart.awaitListening();
            HttpResponse<Void> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + rampart.port() + "/")).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(200, response.statusCode());
        }
    }

    private void hostsFile(java.util.Map<String, String> environment) {
        try {
            // TEST-NET-3 (RFC 5737) first: a documentation address, no machine's own.
            Path hosts = Files.writeString(dir.resolve("hosts"), "203.0.113.7 proxy-name\n127.0.0.1 proxy-name\n");
            environment.put("JDK_JAVA_OPTIONS", "-Djdk.net.hosts.file=" + hosts);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Path config() throws java.io.IOException {
        return Files.writeString(dir.resolve("proxy.conf"), """
                rampart {
                  server { host = "proxy-name", port = 0 }
                  admin { port = 0 }
                  routes = [ { name = ping, respond { status = 200 } } ]
                }
                """);
    }
}
