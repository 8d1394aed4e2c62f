package dev.rampart.server;

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
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The active health checks' verdicts reach /metrics, and leave it when a reload drops the check. */
class HealthMetricTest {

    @TempDir
    Path dir;

    @Test
    void verdictsOfCheckedEndpointsAreGaugesThatFollowTheProbesAndTheConfig() throws Exception {
        try (FakeUpstream healthy = FakeUpstream.start(UpstreamBehavior.ok("fine"))) {
            String refused = "127.0.0.1:" + FakeUpstream.refusingPort();
            Path file = dir.resolve("proxy.conf");
            Files.writeString(file, config(healthy.authority(), refused, """
                    health-check { path = "/", interval = 50ms, timeout = 1s, unhealthy-threshold = 1 }"""));
            ConfigSource source = ConfigSource.resolve(Optional.of(file));
            RampartServer server = RampartServer.start(source, source.load(), false);
            try {
                String good = "rampart_upstream_endpoint_healthy{endpoint=\"" + healthy.authority() + "\",upstream=\"app\"} 1.0";
                String bad = "rampart_upstream_endpoint_healthy{endpoint=\"" + refused + "\",upstream=\"app\"} 0.0";
                String metrics = awaitMetrics(server, m -> m.contains(good) && m.contains(bad));
                assertTrue(metrics.contains(good) && metrics.contains(bad), "verdicts not exported:\n" + metrics);

                Files.writeString(file, config(healthy.authority(), refused, ""));
                // The server watches its config file: the change reloads it.
                metrics = awaitMetrics(server, m -> !m.contains("rampart_upstream_endpoint_healthy{"));
                assertFalse(metrics.contains("rampart_upstream_endpoint_healthy{"),
                        "no check, no verdict gauge:\n" + metrics);
            } finally {
                server.shutdown("test");
            }
        }
    }

    private static String config(String first, String second, String healthCheck) {
        return """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  access-log { enabled = false }
                  upstreams { app { endpoints = ["%s", "%s"]
                    %s } }
                  routes = [ { name = api, match { path-prefix = "/" }, upstream = app } ]
                }
                """.formatted(first, second, healthCheck);
    }

    private static String awaitMetrics(RampartServer server, java.util.function.Predicate<String> done) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String metrics = scrape(server);
        while (!done.test(metrics) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            metrics = scrape(server);
        }
        return metrics;
    }

    private static String scrape(RampartServer server) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
