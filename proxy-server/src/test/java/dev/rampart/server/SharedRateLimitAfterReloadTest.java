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
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A reload of the file keeps the buckets of a {@code rate-limits} limit that did not change, and
 * {@code /admin/routes} shows the limits and which one a route names, as the running config has them.
 */
class SharedRateLimitAfterReloadTest {

    private static final String LIMITS = "rate-limits { api { requests-per-second = 0.001, burst = 2 } }";

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();

    private void write(Path file, String upstream, String routes) throws Exception {
        Path tmp = dir.resolve("proxy.conf.tmp");
        Files.writeString(tmp, """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  access-log { enabled = false }
                  upstreams { app { endpoints = ["%s"] } }
                  %s
                  routes = [ %s ]
                }
                """.formatted(upstream, LIMITS, routes));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String route(String name) {
        return "{ name = " + name + ", match { path-prefix = \"/" + name + "\" }, upstream = app, rate-limit = api }\n";
    }

    private int status(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String routes(RampartServer server) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort()
                    + "/admin/routes")).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void reloadsThatChangeWhichRoutesNameTheLimitKeepItsBucketsAndAdminRoutesShowsIt() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("hello"))) {
            Path file = dir.resolve("proxy.conf");
            write(file, upstream.authority(), route("users") + route("orders"));
            ConfigSource source = ConfigSource.resolve(Optional.of(file));
            RampartServer server = RampartServer.start(source, source.load(), false);
            try {
                assertEquals(200, status(server.port(), "/users"));
                assertEquals(200, status(server.port(), "/orders"));
                assertEquals(429, status(server.port(), "/users"), "one bucket for both routes");

                write(file, upstream.authority(), route("users") + route("orders") + route("carts"));
                Await.until(() -> routes(server).contains("\"carts\""), "the reload that adds route carts");

                assertEquals(429, status(server.port(), "/orders"), "the reload handed out no new burst");
                assertEquals(429, status(server.port(), "/carts"), "the new route takes the same bucket");
                write(file, upstream.authority(), route("users") + route("carts"));
                Await.until(() -> !routes(server).contains("\"orders\""), "the reload that removes route orders");
                assertEquals(429, status(server.port(), "/users"), "nor did the reload after that");
                Map<?, ?> rampart = (Map<?, ?>) ((Map<?, ?>) TestJson.parse(routes(server))).get("rampart");
                assertEquals(Map.of("api", Map.of("requests-per-second", 0.001, "burst", 2L, "per", "client-ip")),
                        rampart.get("rate-limits"));
                for (Object route : (java.util.List<?>) rampart.get("routes")) {
                    assertEquals("api", ((Map<?, ?>) route).get("rate-limit"), route.toString());
                }
            } finally {
                server.shutdown("test");
            }
        }
    }
}
