package dev.rampart.server;

import dev.rampart.core.testing.FakeUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stderr nobody reads (a stalled log collector, Docker's blocking log mode) must not stop the proxy.
 * Every request that fails against an upstream logs a line there from an event loop; written
 * synchronously, the first line that does not fit in the full pipe held that loop, and every connection on
 * it, for as long as the pipe stayed unread.
 */
class UnreadStderrIT {

    @TempDir
    Path dir;

    @Test
    void requestsAreStillAnsweredWhileStderrIsNotRead() throws Exception {
        Path config = dir.resolve("proxy.conf");
        Files.writeString(config, """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  upstreams { app { endpoints = ["127.0.0.1:%d"], circuit-breaker { enabled = false } } }
                  routes = [ { name = default, match { path-prefix = "/" }, upstream = app, retry { attempts = 1 } } ]
                }
                """.formatted(FakeUpstream.refusingPort()));
        // Each refused request logs a line of about 150 bytes: 1,200 of them are more than twice what a pipe
        // (64 KiB) and the test's reader (8 KiB) hold together.
        int requests = 1_200;
        try (RampartProcess rampart = RampartProcess.start("--config", config.toString())) {
            rampart.awaitListening();
            rampart.holdStderr();
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < requests; i++) {
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rampart.port() + "/r/" + i))
                                .timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(502, response.statusCode(), "request " + i);
            }
            rampart.readStderrAgain();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!rampart.stderr().contains("/r/") && !rampart.stderr().contains("UPSTREAM_CONNECT_REFUSED")
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(rampart.stderr().contains("UPSTREAM_CONNECT_REFUSED"),
                    "the lines that fitted are written once stderr is read again: " + rampart.stderr());
        }
    }
}
