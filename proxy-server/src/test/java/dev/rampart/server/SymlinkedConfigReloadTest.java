package dev.rampart.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A config file reached through a symlink into another directory (a config tree managed with stow or
 * Ansible): an edit of the file it points to is a change of the config, and reloads it.
 */
class SymlinkedConfigReloadTest {

    @TempDir
    Path dir;
    private RampartServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown("test");
        }
    }

    private static String config(String body) {
        return """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  access-log { enabled = false }
                  routes = [ { name = direct, respond { status = 200, body = "%s" } } ]
                }
                """.formatted(body);
    }

    @Test
    void editingTheLinkedFileInItsOwnDirectoryReloads() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real")).resolve("proxy.conf");
        Path link = Files.createDirectories(dir.resolve("link")).resolve("proxy.conf");
        Files.writeString(real, config("before"));
        Files.createSymbolicLink(link, Path.of("../real/proxy.conf"));
        ConfigSource source = ConfigSource.resolve(Optional.of(link));
        server = RampartServer.start(source, source.load(), false);
        awaitBody("before");

        Files.writeString(real, config("after")); // in place, in the target's directory: the link's does not change

        awaitBody("after");
    }

    private void awaitBody(String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String body;
        while (!(body = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the proxy still answers \"" + body + "\", not \"" + expected + "\"");
            }
            Thread.sleep(50);
        }
    }
}
