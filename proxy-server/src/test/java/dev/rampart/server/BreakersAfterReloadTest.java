package dev.rampart.server;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * /admin/breakers and /metrics show the running config's endpoints and routes: not those a reload removed, and
 * an endpoint's {@code backup} as the running config has it.
 */
class BreakersAfterReloadTest {

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();

    private void write(Path file, String upstreams, String routes) throws Exception {
        Path tmp = dir.resolve("proxy.conf.tmp");
        Files.writeString(tmp, """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  access-log { enabled = false }
                  upstreams { %s }
                  routes = [ %s ]
                }
                """.formatted(upstreams, routes));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private String get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void breakersOfEndpointsARemovedUpstreamHadAreNotListed() throws Exception {
        try (FakeUpstream kept = FakeUpstream.start(UpstreamBehavior.ok("kept"));
             FakeUpstream removed = FakeUpstream.start(UpstreamBehavior.ok("removed"))) {
            Path file = dir.resolve("proxy.conf");
            String keptUpstream = "kept { endpoints = [\"" + kept.authority() + "\"] }";
            String keptRoute = "{ name = kept, match { path-prefix = \"/kept\" }, upstream = kept }";
            write(file, keptUpstream + "\nold { endpoints = [\"" + removed.authority() + "\"] }",
                    keptRoute + "\n{ name = old, match { path-prefix = \"/old\" }, upstream = old }");
            ConfigSource source = ConfigSource.resolve(Optional.of(file));
            RampartServer server = RampartServer.start(source, source.load(), false);
            try {
                assertEquals("kept", get(server.port(), "/kept"));
                assertEquals("removed", get(server.port(), "/old"));
                assertEquals(List.of("kept", "old"), upstreamsListed(server));

                write(file, keptUpstream, keptRoute);
                Await.until(() -> !routes(server).contains("\"old\""), "the reload that removes upstream old");

                assertEquals(List.of("kept"), upstreamsListed(server));
                // The routes are swapped first, the meters of the removed ones dropped right after: wait for both.
                Await.until(() -> !admin(server, "/metrics").contains("route=\"old\""),
                        "the removed route's meters dropped");
                String metrics = get(server.adminPort(), "/metrics");
                org.junit.jupiter.api.Assertions.assertFalse(metrics.contains("route=\"old\""), metrics);
                org.junit.jupiter.api.Assertions.assertFalse(metrics.contains(removed.authority()), metrics);
                org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("route=\"kept\""), metrics);
            } finally {
                server.shutdown("test");
            }
        }
    }

    @Test
    void anEndpointIsShownAsABackupAsTheRunningConfigHasIt() throws Exception {
        try (FakeUpstream primary = FakeUpstream.start(UpstreamBehavior.ok("primary"));
             FakeUpstream standby = FakeUpstream.start(UpstreamBehavior.ok("standby"))) {
            Path file = dir.resolve("proxy.conf");
            String route = "{ name = app, match { path-prefix = \"/\" }, upstream = app }";
            write(file, "app { endpoints = [\"" + primary.authority() + "\", \"" + standby.authority() + "\"] }",
                    route);
            ConfigSource source = ConfigSource.resolve(Optional.of(file));
            RampartServer server = RampartServer.start(source, source.load(), false);
            try {
                assertEquals(Map.of(primary.authority(), false, standby.authority(), false),
                        backupByEndpoint(server));

                write(file, "app { endpoints = [\"" + primary.authority() + "\", { address = \""
                        + standby.authority() + "\", backup = true }] }", route);
                Await.until(() -> Boolean.TRUE.equals(backupByEndpoint(server).get(standby.authority())),
                        "the reload that makes " + standby.authority() + " a backup");
                assertEquals(Map.of(primary.authority(), false, standby.authority(), true),
                        backupByEndpoint(server));
            } finally {
                server.shutdown("test");
            }
        }
    }

    private Map<Object, Object> backupByEndpoint(RampartServer server) {
        Map<Object, Object> backups = new HashMap<>();
        for (Object view : (List<?>) TestJson.parse(admin(server, "/admin/breakers"))) {
            backups.put(((Map<?, ?>) view).get("endpoint"), ((Map<?, ?>) view).get("backup"));
        }
        return backups;
    }

    private String routes(RampartServer server) {
        return admin(server, "/admin/routes");
    }

    private String admin(RampartServer server, String path) {
        try {
            return get(server.adminPort(), path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Object> upstreamsListed(RampartServer server) throws Exception {
        List<?> views = (List<?>) TestJson.parse(get(server.adminPort(), "/admin/breakers"));
        return views.stream().map(v -> ((Map<?, ?>) v).get("upstream")).map(Object.class::cast).sorted(
                java.util.Comparator.comparing(Object::toString)).toList();
    }
}
