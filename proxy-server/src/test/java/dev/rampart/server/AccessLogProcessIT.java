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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log of the packaged jar as an operator sees it on stdout: buffered and written in
 * batches, yet a lone request's line shows up while the proxy keeps running, and every line of a
 * burst is on stdout when the process exits after SIGTERM.
 */
class AccessLogProcessIT {

    @TempDir
    Path dir;

    private Path config(String upstream) throws Exception {
        return RampartProcess.writeConfig(dir, upstream);
    }

    @Test
    void aLoneRequestsLineReachesStdoutWithoutMoreTrafficOrAStop() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok"));
             RampartProcess rampart = RampartProcess.start("--config", config(upstream.authority()).toString())) {
            Map<String, Object> line = getAndAwaitItsLine(rampart, "/lone");
            assertEquals("/lone", line.get("path"));
            assertTrue(rampart.process().isAlive(), "the line came out while the proxy kept running");
        }
    }

    @Test
    void theLinesTheLogsQueueDropsAreCountedInTheMetrics() throws Exception {
        // The bundled logback config's queue, which only the packaged jar runs with (tests log otherwise).
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok"));
             RampartProcess rampart = RampartProcess.start("--config", config(upstream.authority()).toString())) {
            getAndAwaitItsLine(rampart, "/counted");
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + rampart.adminPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("\nrampart_access_log_lines_dropped_total 0.0\n"), metrics);
        }
    }

    @Test
    void everyLineOfABurstIsOnStdoutWhenTheProcessExitsAfterSigterm() throws Exception {
        int requests = 400;
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok"));
             RampartProcess rampart = RampartProcess.start("--config", config(upstream.authority()).toString())) {
            rampart.awaitListening();
            HttpClient client = HttpClient.newHttpClient();
            List<CompletableFuture<HttpResponse<Void>>> sent = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                sent.add(client.sendAsync(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + rampart.port() + "/burst/" + i)).build(),
                        HttpResponse.BodyHandlers.discarding()));
            }
            for (CompletableFuture<HttpResponse<Void>> response : sent) {
                assertEquals(200, response.get(30, TimeUnit.SECONDS).statusCode());
            }

            // SIGTERM right after the burst, while lines are still buffered. Through the handle: Process.destroy()
            // would also close this side of the pipes, and what the proxy writes while stopping would be lost here.
            rampart.process().toHandle().destroy();
            assertEquals(0, rampart.awaitExit(20));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (accessLines(rampart).size() < requests && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }

            Set<String> paths = new HashSet<>();
            for (Map<String, Object> line : accessLines(rampart)) {
                paths.add((String) line.get("path"));
            }
            assertEquals(requests, accessLines(rampart).size(), "stderr:\n" + rampart.stderr());
            assertEquals(requests, paths.size(), "one line per request, none twice");
            assertTrue(rampart.stderr().contains("up to 10s to finish"), "the grace as it is configured (not PT10S): "
                    + rampart.stderr());
        }
    }

    @Test
    void theLogIsUtf8WhateverTheLocale() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok"))) {
            Path file = config(upstream.authority());
            Files.writeString(file, Files.readString(file).replace("name = default", "name = \"café-route\""));
            // The C locale makes the JVM's default charset ASCII: text written with it becomes '?'.
            try (RampartProcess rampart = RampartProcess.start(environment -> {
                environment.keySet().removeIf(name -> name.startsWith("LC_") || name.equals("LANG"));
                environment.put("LC_ALL", "C");
            }, "--config", file.toString())) {
                assertEquals("café-route", getAndAwaitItsLine(rampart, "/x").get("route"));
            }
        }
    }

    /** Waits for the proxy to listen, GETs {@code path}, and returns its access-log line (waiting 3 s at most). */
    private static Map<String, Object> getAndAwaitItsLine(RampartProcess rampart, String path) throws Exception {
        rampart.awaitListening();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rampart.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (accessLines(rampart).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<Map<String, Object>> lines = accessLines(rampart);
        assertEquals(1, lines.size(), "stdout:\n" + rampart.stdout());
        return lines.get(0);
    }

    private static List<Map<String, Object>> accessLines(RampartProcess rampart) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (String line : rampart.stdout().split("\n")) {
            if (line.startsWith("{")) {
                lines.add(TestJson.object(line));
            }
        }
        return lines;
    }
}
