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
 * synchronously, the first line that did not fit in the full pipe held that loop, and every connection on
 * it, for as long as the pipe stayed unread. And the exit must not wait for it either.
 */
class UnreadStderrIT {

    /**
     * Each refused request logs a line of about 150 bytes: 1,200 of them are more than twice what a pipe
     * (64 KiB) and the test's reader (8 KiB) hold together.
     */
    private static final int REQUESTS_TO_FILL_THE_PIPE = 1_200;

    @TempDir
    Path dir;

    private RampartProcess startWithStderrUnread() throws Exception {
        Path config = dir.resolve("proxy.conf");
        Files.writeString(config, """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  upstreams { app { endpoints = ["127.0.0.1:%d"], circuit-breaker { enabled = false } } }
                  routes = [ { name = default, match { path-prefix = "/" }, upstream = app, retry { attempts = 1 } } ]
                }
                """.formatted(FakeUpstream.refusingPort()));
        RampartProcess rampart = RampartProcess.start("--config", config.toString());
        rampart.awaitListening();
        rampart.holdStderr();
        return rampart;
    }

    /** Sends requests that each log a line; every one must be answered. */
    private static void failingRequests(RampartProcess rampart, int count) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < count; i++) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rampart.port() + "/r/" + i))
                            .timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(502, response.statusCode(), "request " + i);
        }
    }

    @Test
    void requestsAreStillAnsweredWhileStderrIsNotRead() throws Exception {
        try (RampartProcess rampart = startWithStderrUnread()) {
            failingRequests(rampart, REQUESTS_TO_FILL_THE_PIPE);
            rampart.readStderrAgain();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!rampart.stderr().contains("UPSTREAM_CONNECT_REFUSED") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(rampart.stderr().contains("UPSTREAM_CONNECT_REFUSED"),
                    "the lines that fitted are written once stderr is read again: " + rampart.stderr());
        }
    }

    @Test
    void sigtermEndsTheProcessWhileStderrIsNotRead() throws Exception {
        try (RampartProcess rampart = startWithStderrUnread()) {
            failingRequests(rampart, REQUESTS_TO_FILL_THE_PIPE);
            // Through the handle: Process.destroy() would also close this side of the pipes, unblocking the writer.
            rampart.process().toHandle().destroy();
            // The drain has nothing to wait for; the last lines get a few seconds, then the process exits anyway.
            // Before, the final flush of stderr waited for a reader for ever.
            assertEquals(0, rampart.awaitExit(20), "exit code after SIGTERM");
        }
    }
}
