package dev.rampart.server;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** After real traffic through the real server, /metrics has the contract's names and labels. */
class MetricsAfterTrafficTest {

    @TempDir
    Path dir;

    @Test
    void requestsRetriesAttemptsBreakersAndMemoryAreExported() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(
                UpstreamBehavior.failTimes(1, 503, UpstreamBehavior.ok("fine")))) {
            RampartServer server = start(upstream, "", "retry { backoff { initial = 5ms, max = 10ms } }");
            try {
                HttpClient client = HttpClient.newHttpClient();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/orders")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue(r.statusCode() == 200, "retried to success: " + r.statusCode());
                client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/orders"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());

                // An exchange is counted once its last byte is written, so the client can hold the POST's
                // response a moment before the counter moves: scrape until it has.
                String postCount = "rampart_requests_total{method=\"POST\",reason=\"none\",route=\"api\",status=\"200\"} 1.0";
                AtomicReference<String> scraped = new AtomicReference<>("");
                Await.until(() -> {
                    scraped.set(scrape(client, server.adminPort()));
                    return scraped.get().contains(postCount);
                }, "the POST counted in /metrics");
                String metrics = scraped.get();
                String endpoint = upstream.authority();
                for (String expected : new String[] {
                        "rampart_requests_total{method=\"GET\",reason=\"none\",route=\"api\",status=\"200\"} 1.0",
                        "rampart_request_duration_seconds_bucket{route=\"api\",le=\"0.005\"}",
                        "rampart_upstream_attempts_total{endpoint=\"" + endpoint + "\",outcome=\"status_5xx\",upstream=\"app\"} 1.0",
                        "rampart_retries_total{cause=\"gateway-error\",route=\"api\"} 1.0",
                        "rampart_circuit_breaker_state{endpoint=\"" + endpoint + "\",upstream=\"app\"} 0.0",
                        postCount,
                        "rampart_active_connections",
                        "rampart_connections_refused_total 0.0",
                        "rampart_upstream_pool_waits_total 0.0",
                        "rampart_config_reloads_total{result=\"success\"} 0.0",
                        "rampart_netty_direct_memory_bytes",
                        "rampart_replay_buffer_memory_bytes 0.0", // the POST's kept body, given back
                        "jvm_memory_used_bytes"}) {
                    assertTrue(metrics.contains(expected), "missing " + expected + " in\n" + metrics);
                }
                assertTrue(!metrics.contains("/orders"), "raw paths never become labels");
            } finally {
                server.shutdown("test");
            }
        }
    }

    @Test
    void requestsThatWaitForAPooledConnectionAreCountedAndGaugedInFlight() throws Exception {
        // Each answer takes about a second and a half; every event loop may hold one connection to the endpoint, so
        // of more requests at once than twice the loops, at least one per loop waits for its loop's connection
        // (and all of them are in flight for the first second and a half, for the gauge to be read).
        int loops = Runtime.getRuntime().availableProcessors();
        int requests = 2 * loops + 1;
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.trickle("0123456789", 8, 200))) {
            RampartServer server = start(upstream, ", max-connections-per-endpoint = 1", "timeout = 30s");
            try {
                HttpClient client = HttpClient.newHttpClient();
                assertTrue(scrape(client, server.adminPort()).contains("rampart_upstream_pool_waits_total 0.0"),
                        "counted from zero");
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < requests; i++) {
                    answers.add(client.sendAsync(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/stream/" + i)).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                String allInFlight = "rampart_upstream_requests_active{upstream=\"app\"} " + requests + ".0";
                Await.until(() -> scrape(client, server.adminPort()).contains(allInFlight),
                        "every request in flight, waiting ones included, in the upstream's gauge");
                for (CompletableFuture<HttpResponse<String>> answer : answers) {
                    assertEquals("0123456789", answer.get(30, TimeUnit.SECONDS).body(), "each is served after its wait");
                }
                Await.until(() -> scrape(client, server.adminPort()).contains(
                        "rampart_upstream_requests_active{upstream=\"app\"} 0.0"), "none in flight once answered");
                Matcher waits = Pattern.compile("(?m)^rampart_upstream_pool_waits_total (\\d+)\\.0$")
                        .matcher(scrape(client, server.adminPort()));
                assertTrue(waits.find(), "the counter is exported");
                int counted = Integer.parseInt(waits.group(1));
                assertTrue(counted >= loops + 1 && counted <= requests - 1,
                        counted + " waits counted for " + requests + " requests on " + loops + " loops");
            } finally {
                server.shutdown("test");
            }
        }
    }

    /** The server in process, with one upstream {@code app} and one route {@code api} to it, each with more keys. */
    private RampartServer start(FakeUpstream upstream, String upstreamKeys, String routeKeys) throws IOException {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  access-log { enabled = false }
                  upstreams { app { endpoints = ["%s"]%s } }
                  routes = [ { name = api, match { path-prefix = "/" }, upstream = app, %s } ]
                }
                """.formatted(upstream.authority(), upstreamKeys, routeKeys));
        ConfigSource source = ConfigSource.resolve(Optional.of(file));
        return RampartServer.start(source, source.load(), false);
    }

    private static String scrape(HttpClient client, int adminPort) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
