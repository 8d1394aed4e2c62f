package dev.rampart.server;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reloading the config file while traffic flows: routes come and go, nothing in flight fails. */
class ReloadUnderLoadTest {

    @TempDir
    Path dir;
    private FakeUpstream upstream;
    private Path file;
    private RampartServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        upstream = FakeUpstream.start(UpstreamBehavior.ok("up"));
        file = dir.resolve("proxy.conf");
        write(false);
        ConfigSource source = ConfigSource.resolve(Optional.of(file));
        server = RampartServer.start(source, source.load(), false);
    }

    @AfterEach
    void stop() {
        server.shutdown("test");
        upstream.close();
    }

    private void write(boolean withExtraRoute) throws Exception {
        String extra = withExtraRoute
                ? "{ name = extra, match { path-prefix = \"/extra\" }, respond { status = 200, body = \"extra\" } },"
                : "";
        Path tmp = dir.resolve("proxy.conf.tmp");
        Files.writeString(tmp, """
                rampart {
                  server { host = "127.0.0.1", port = 0 }
                  admin { port = 0 }
                  access-log { enabled = false }
                  upstreams { app { endpoints = ["%s"] } }
                  routes = [ %s { name = main, match { path-prefix = "/main" }, upstream = app } ]
                }
                """.formatted(upstream.authority(), extra));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private int get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private void awaitStatus(String path, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (get(path) != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(path + " never answered " + status);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void addingAndRemovingARouteUnderLoadFailsNoRequest() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Thread[] load = new Thread[4];
        for (int i = 0; i < load.length; i++) {
            load[i] = new Thread(() -> {
                while (running.get()) {
                    try {
                        if (get("/main/x") == 200) {
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            });
            load[i].start();
        }
        Await.until(() -> ok.get() >= 50, "the load to be running");
        assertEquals(404, get("/extra"), "the extra route does not exist yet");
        write(true);
        awaitStatus("/extra", 200);
        write(false);
        awaitStatus("/extra", 404);
        int afterReloads = ok.get();
        // Requests still being served after both reloads: the load ran through them, however fast they were.
        Await.until(() -> ok.get() >= afterReloads + 20, "requests served after the reloads");
        running.set(false);
        for (Thread t : load) {
            t.join(10_000);
        }
        assertEquals(0, failed.get(), "requests failed during reloads");
    }

    @Test
    void aChangeIsAppliedWhileAnotherFileInTheDirectoryKeepsChanging() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        Path neighbour = dir.resolve("proxy.log");
        Thread writer = new Thread(() -> {
            try {
                while (writing.get()) {
                    Files.writeString(neighbour, "a line\n", java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                    Thread.sleep(50); // far more often than the debounce: the directory is never quiet
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        try {
            Thread.sleep(200); // the writer is going before the config changes
            write(true);
            awaitStatus("/extra", 200);
            assertTrue(writer.isAlive(), "the neighbour was still being written when the reload came");
        } finally {
            writing.set(false);
            writer.join();
        }
    }

    @Test
    void anInvalidFileIsRefusedAndTheRunningConfigStays() throws Exception {
        Files.writeString(file, "rampart { routes = [ { name = broken, upstream = nowhere } ] }");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String metrics = "";
        while (System.nanoTime() < deadline && !metrics.contains("rampart_config_reloads_total{result=\"failure\"} 1.0")) {
            Thread.sleep(50);
            metrics = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        assertTrue(metrics.contains("rampart_config_reloads_total{result=\"failure\"} 1.0"), metrics);
        assertEquals(200, get("/main/still-here"), "the old config keeps serving");
    }
}
