package dev.rampart.server;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain on SIGTERM, in process: idle keep-alive connections close at once, a busy one gets its
 * response with {@code Connection: close}, so does a new one whose first request comes in the drain, and an
 * exchange that outlives {@code shutdown-grace} is answered 503 SHUTTING_DOWN instead of being cut without a word.
 */
class DrainTest {

    @TempDir
    Path dir;

    private RampartServer start(FakeUpstream upstream, String grace) throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, """
                rampart {
                  server { host = "127.0.0.1", port = 0, shutdown-grace = %s }
                  admin { port = 0 }
                  access-log { enabled = false }
                  upstreams { app { endpoints = ["%s"] } }
                  routes = [ { name = api, match { path-prefix = "/" }, upstream = app } ]
                }
                """.formatted(grace, upstream.authority()));
        ConfigSource source = ConfigSource.resolve(Optional.of(file));
        return RampartServer.start(source, source.load(), false);
    }

    private static UpstreamBehavior slowOn(String path, long millis) {
        return (req, reply) -> {
            if (req.uri().equals(path)) {
                reply.after(millis, () -> reply.send(200, "text/plain", "slow"));
            } else {
                reply.send(200, "text/plain", "fast");
            }
        };
    }

    @Test
    void anExchangeStillRunningWhenTheGraceEndsIsAnswered503ShuttingDown() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(slowOn("/slow", 10_000))) {
            RampartServer server = start(upstream, "300ms");
            try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
                raw.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
                Await.until(() -> upstream.requests().size() == 1, "the request reached the upstream");

                CompletableFuture<Void> drain;
                try (LogCapture logs = LogCapture.start()) {
                    drain = CompletableFuture.runAsync(() -> server.shutdown("test"));
                    Await.until(() -> logs.dump().contains("test: draining"), "the drain started");
                    server.shutdown("SIGINT"); // a second Ctrl-C
                    assertTrue(logs.dump().contains("SIGINT: already draining (1 requests in flight); it ends when"
                            + " they do, in 1s at most; SIGKILL stops the process now"), logs.dump());
                }
                RawHttp.Response response = raw.read();

                assertEquals(503, response.status(), response.text());
                assertTrue(response.text().contains("\"SHUTTING_DOWN\""), response.text());
                assertEquals("close", response.header("connection"));
                drain.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aHeadStillComingWhenTheGraceEndsIsAnswered503ShuttingDownNotCutAsIfTheClientLeft() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"))) {
            RampartServer server = start(upstream, "300ms");
            try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
                raw.send("GET /half HTTP/1.1\r\nHost: x\r\n"); // and the rest never comes
                Thread.sleep(100); // read by the proxy before the drain starts

                CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> server.shutdown("test"));
                RawHttp.Response response = raw.read();

                assertEquals(503, response.status(), response.text());
                assertTrue(response.text().contains("\"SHUTTING_DOWN\""), response.text());
                assertEquals("close", response.header("connection"));
                drain.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aNewConnectionWhoseFirstRequestComesInTheDrainIsServedWithConnectionCloseAsNginxDoes() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"))) {
            RampartServer server = start(upstream, "20s");
            try (RawHttp fresh = new RawHttp("127.0.0.1", server.port())) {
                // Accepted (counted open) before the drain starts; its request is still on the way.
                Await.until(() -> admin(server, "/metrics").body().contains("rampart_active_connections 1.0"),
                        "the connection open");
                long start = System.nanoTime();
                CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> server.shutdown("test"));
                Await.until(() -> readyz(server) != 200, "the drain began (503, or over and the admin listener gone)");

                RawHttp.Response response = fresh.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertNotNull(response, "an answer, not an empty reply");
                assertEquals(200, response.status(), response.text());
                assertEquals("fine", response.text());
                assertEquals("close", response.header("connection"));
                drain.get(10, TimeUnit.SECONDS);
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(tookMillis < 5_000, "done once it was answered, not at the 20 s grace: " + tookMillis);
            }
        }
    }

    private static int readyz(RampartServer server) {
        try {
            return admin(server, "/readyz").statusCode();
        } catch (java.io.UncheckedIOException e) {
            return -1;
        }
    }

    private static java.net.http.HttpResponse<String> admin(RampartServer server, String path) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.adminPort() + path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void idleConnectionsCloseAtOnceAndABusyOneGetsItsResponse() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(slowOn("/slow", 4_000))) {
            RampartServer server = start(upstream, "20s");
            try (RawHttp idle = new RawHttp("127.0.0.1", server.port());
                 RawHttp busy = new RawHttp("127.0.0.1", server.port())) {
                assertEquals("fast", idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
                busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
                Await.until(() -> upstream.requests().size() == 2, "the slow request reached the upstream");

                long start = System.nanoTime();
                CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> server.shutdown("test"));

                assertTrue(idle.closedByPeer(), "a connection waiting for a request is closed");
                long idleClosedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                // After the busy one would be when its 4 s answer comes; under 3 s leaves a loaded machine room.
                assertTrue(idleClosedMillis < 3_000, "closed at the drain's start, not after the busy one: "
                        + idleClosedMillis + " ms");
                RawHttp.Response response = busy.read();
                assertEquals(200, response.status());
                assertEquals("slow", response.text());
                assertEquals("close", response.header("connection"), "answered, and told the connection ends");
                drain.get(10, TimeUnit.SECONDS);
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(tookMillis < 8_000, "done once its connections closed, not at the 20 s grace: " + tookMillis);
            }
        }
    }
}
