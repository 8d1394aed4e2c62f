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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar as an operator runs it: start, serve, drain on SIGTERM, exit codes. */
class ServerProcessIT {

    @TempDir
    Path dir;

    private Path config(String upstream) throws Exception {
        return RampartProcess.writeConfig(dir, upstream);
    }

    @Test
    void sigtermDuringASlowRequestLetsItFinishThenExitsZero() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) ->
                reply.after(1500, () -> reply.send(200, "text/plain", "slow but complete")));
             RampartProcess rampart = RampartProcess.start("--config", config(upstream.authority()).toString())) {
            rampart.awaitListening();
            HttpClient client = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rampart.port() + "/slow")).build(),
                    HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (upstream.requests().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, upstream.requests().size(), "the slow request reached the upstream");

            rampart.process().destroy(); // SIGTERM

            HttpResponse<String> readyz = awaitReadyzStatus(client, rampart.adminPort(), 503);
            assertEquals(503, readyz.statusCode(), "readiness turns 503 while draining");
            HttpResponse<String> response = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertEquals("slow but complete", response.body());
            assertEquals("close", response.headers().firstValue("connection").orElse(""),
                    "a response during the drain closes its connection");
            assertEquals(0, rampart.awaitExit(20), "exit code after a graceful drain");
        }
    }

    @Test
    void sigtermTheMomentTheListenerAcceptsDrainsAndExitsZeroInsteadOfDyingWith143() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path file = config("127.0.0.1:9").resolveSibling("early.conf");
        Files.writeString(file, Files.readString(dir.resolve("proxy.conf"))
                .replace("port = 0, shutdown-grace", "port = " + port + ", shutdown-grace"));
        Path stderr = dir.resolve("stderr.txt");
        Process rampart = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-jar", RampartProcess.jar().toString(), "--config", file.toString())
                .redirectError(stderr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            // A TCP probe's view: the port accepts before the proxy has said it is listening.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean accepting = false;
            while (!accepting && System.nanoTime() < deadline && rampart.isAlive()) {
                try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
                    // Linux connects a socket to itself when its ephemeral port is the one it dials and nothing
                    // listens there (a TCP simultaneous open): that is no listener.
                    accepting = probe.getLocalPort() != port;
                } catch (java.io.IOException notYet) {
                    Thread.sleep(2);
                }
            }
            assertTrue(accepting, "the listener accepted; stderr:\n" + Files.readString(stderr));

            rampart.destroy(); // SIGTERM

            assertTrue(rampart.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, rampart.exitValue(), "drained and stopped, not killed; stderr:\n" + Files.readString(stderr));
            // "SIGTERM while starting: draining" when it came before the start's end, as it mostly does; on a
            // loaded machine the start may end first, and the drain is the ordinary one.
            assertTrue(Files.readString(stderr).contains("draining"), Files.readString(stderr));
        } finally {
            rampart.destroyForcibly();
        }
    }

    @Test
    void aStartPrintsNoLoggingFrameworkWarnings() throws Exception {
        try (RampartProcess rampart = RampartProcess.start("--config", config("127.0.0.1:9").toString())) {
            rampart.awaitListening();
            // SLF4J warns when something logs while logging is still being set up (an appender that wakes
            // up Netty, say): noise on every start that operators learn to ignore, along with real warnings.
            assertFalse(rampart.stderr().contains("SLF4J"), rampart.stderr());
            rampart.process().destroy();
            assertEquals(0, rampart.awaitExit(20));
        }
    }

    private static HttpResponse<String> awaitReadyzStatus(HttpClient client, int adminPort, int wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            if (last.statusCode() == wanted) {
                return last;
            }
            Thread.sleep(10);
        }
        return last;
    }

    @Test
    void anInvalidConfigNeverStartsAndNamesFileLineAndKey() throws Exception {
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:1"] } }
                  routes = [ { name = default, upstream = app, retry { attempts = "three" } } ]
                }
                """);
        try (RampartProcess rampart = RampartProcess.start("--config", file.toString())) {
            assertEquals(1, rampart.awaitExit(30));
            String err = rampart.stderr();
            assertTrue(err.contains("rampart.routes[0].retry.attempts: expected a number, got \"three\" ("
                    + file + ":3)"), err);
        }
    }

    @Test
    void checkPrintsTheEffectiveConfigAndExitsZeroForAGoodFile() throws Exception {
        try (RampartProcess rampart = RampartProcess.start("--check", "--config", config("127.0.0.1:9").toString())) {
            assertEquals(0, rampart.awaitExit(30));
            String out = rampart.stdout();
            assertTrue(out.contains("per-try-timeout = 5s"), "defaults are filled in:\n" + out);
            assertTrue(out.contains("is valid"), out);
        }
    }

    @Test
    void checkExitsOneForABadFile() throws Exception {
        Path file = dir.resolve("typo.conf");
        Files.writeString(file, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:1"] } }
                  routes = [ { name = default, upstream = app, retyr { attempts = 2 } } ]
                }
                """);
        try (RampartProcess rampart = RampartProcess.start("--check", "--config", file.toString())) {
            assertEquals(1, rampart.awaitExit(30));
            assertTrue(rampart.stderr().contains("did you mean \"retry\"?"), rampart.stderr());
        }
    }

    @Test
    void checkWritesUtf8WhateverTheLocale() throws Exception {
        Path file = config("127.0.0.1:9");
        Files.writeString(file, Files.readString(file).replace("name = default", "name = \"café-route\""));
        // The C locale makes the JVM's default charset ASCII: text printed with it becomes '?'.
        try (RampartProcess rampart = RampartProcess.start(environment -> {
            environment.keySet().removeIf(name -> name.startsWith("LC_") || name.equals("LANG"));
            environment.put("LC_ALL", "C");
        }, "--check", "--config", file.toString())) {
            assertEquals(0, rampart.awaitExit(30));
            assertTrue(rampart.stdout().contains("name = \"café-route\""), rampart.stdout());
        }
    }

    /**
     * A listener address of another machine stops the start with the words of --check and of a reload (key path,
     * file and line), not with the socket's error alone ("bind(..) failed with error(-99)"), which names neither.
     */
    @Test
    void aListenerAddressOfAnotherMachineNeverStartsAndIsNamedWhereItIsWritten() throws Exception {
        // TEST-NET-3 (RFC 5737): a documentation address, no machine's own, and no lookup is needed.
        Path file = Files.writeString(dir.resolve("elsewhere.conf"), """
                rampart {
                  server { host = "203.0.113.7", port = 0 }
                  admin { port = 0 }
                  routes = [ { name = ping, respond { status = 200 } } ]
                }
                """);
        try (RampartProcess rampart = RampartProcess.start("--config", file.toString())) {
            assertEquals(1, rampart.awaitExit(30));
            assertTrue(rampart.stderr().contains("rampart: cannot start: configuration " + file + " is invalid:\n"
                    + "rampart.server.host: cannot listen on 203.0.113.7: not an address of this machine (" + file
                    + ":2)"), rampart.stderr());
        }
    }

    /** Logback takes a level name it does not know for DEBUG: a typo must not flood stderr instead of quieting it. */
    @Test
    void anUnknownLogLevelNeverStartsAndSaysWhatIsExpected() throws Exception {
        try (RampartProcess rampart = RampartProcess.start(environment -> environment.put("RAMPART_LOG_LEVEL", "WARNING"),
                "--config", config("127.0.0.1:9").toString())) {
            assertEquals(1, rampart.awaitExit(30));
            assertTrue(rampart.stderr().contains("RAMPART_LOG_LEVEL is \"WARNING\"; expected one of trace, debug"),
                    rampart.stderr());
            assertFalse(rampart.stderr().contains("DEBUG"), rampart.stderr());
        }
    }

    @Test
    void anUnknownTransportNeverStartsAndSaysWhichNamesWork() throws Exception {
        try (RampartProcess rampart = RampartProcess.start(
                environment -> environment.put("JDK_JAVA_OPTIONS", "-Drampart.transport=uring"),
                "--config", config("127.0.0.1:9").toString())) {
            assertEquals(1, rampart.awaitExit(30));
            assertTrue(rampart.stderr().contains(
                    "cannot start: -Drampart.transport=uring names no transport: use auto, io_uring, epoll or nio"),
                    rampart.stderr());
        }
    }

    @Test
    void withoutATransportNamedTheFastestTheKernelAllowsIsUsedAndSaid() throws Exception {
        try (RampartProcess rampart = RampartProcess.start("--config", config("127.0.0.1:9").toString())) {
            rampart.awaitListening();
            String expected = dev.rampart.core.proxy.Transport.ioUringAvailable() ? "(io_uring transport, "
                    : dev.rampart.core.proxy.Transport.epollAvailable() ? "(epoll transport; io_uring unavailable: "
                    : "(nio transport; io_uring unavailable: ";
            assertTrue(rampart.stderr().contains(expected), rampart.stderr());
            assertFalse(rampart.stderr().contains("experimental"), rampart.stderr());
        }
    }

    @Test
    void epollAskedForIsUsedWithoutAWord() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.rampart.core.proxy.Transport.epollAvailable(),
                "epoll is not available here");
        try (RampartProcess rampart = RampartProcess.start(
                environment -> environment.put("JDK_JAVA_OPTIONS", "-Drampart.transport=epoll"),
                "--config", config("127.0.0.1:9").toString())) {
            rampart.awaitListening();
            assertTrue(rampart.stderr().contains("(epoll transport, "), rampart.stderr());
            assertFalse(rampart.stderr().contains("experimental"), rampart.stderr());
        }
    }

    @Test
    void theTransportAskedForIsTheOneInTheStartUpLine() throws Exception {
        try (RampartProcess rampart = RampartProcess.start(
                environment -> environment.put("JDK_JAVA_OPTIONS", "-Drampart.transport=nio"),
                "--config", config("127.0.0.1:9").toString())) {
            rampart.awaitListening();
            assertTrue(rampart.stderr().contains("(nio transport, "), rampart.stderr());
        }
    }

    /** What a compose file or chart exports for a variable nobody set: logback alone would read it as DEBUG. */
    @Test
    void anEmptyLogLevelIsTheDefaultNotDebug() throws Exception {
        try (RampartProcess rampart = RampartProcess.start(environment -> environment.put("RAMPART_LOG_LEVEL", ""),
                "--config", config("127.0.0.1:9").toString())) {
            rampart.awaitListening();
            assertFalse(rampart.stderr().contains("DEBUG"), rampart.stderr());
            assertTrue(rampart.stderr().contains("INFO"), rampart.stderr());
        }
    }

    @Test
    void aBadCommandLineExitsTwoWithUsage() throws Exception {
        for (String[] args : new String[][] {{"--frobnicate"}, {"--config="}, {"--config"}}) {
            try (RampartProcess rampart = RampartProcess.start(args)) {
                assertEquals(2, rampart.awaitExit(30), String.join(" ", args));
                assertTrue(rampart.stderr().contains("Usage:"), rampart.stderr());
            }
        }
    }
}
