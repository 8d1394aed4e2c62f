package dev.rampart.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged jar run as a real process, with its stderr collected and its ports read from the start line. */
final class RampartProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on https?://[^:]+:(\\d+) .*admin on [^:]+:(\\d+)");

    private final Process process;
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private volatile int port = -1;
    private volatile int adminPort = -1;

    private final List<Thread> pumps = new CopyOnWriteArrayList<>();
    /** While set, nothing more is read from the process's stderr: the pipe fills, as an unread one does. */
    private volatile java.util.concurrent.CountDownLatch stderrHeld;

    private RampartProcess(Process process) {
        this.process = process;
        pump(process.getErrorStream(), stderr, true);
        pump(process.getInputStream(), stdout, false);
    }

    static Path jar() {
        return Path.of(System.getProperty("rampart.jar", "target/rampart.jar"));
    }

    /**
     * Writes {@code dir/proxy.conf}: listener and admin on port 0, a 10 s shutdown grace, and one catch-all
     * route to {@code upstream} ({@code host:port}).
     */
    static Path writeConfig(Path dir, String upstream) throws IOException {
        Path file = dir.resolve("proxy.conf");
        java.nio.file.Files.writeString(file, """
                rampart {
                  server { host = "127.0.0.1", port = 0, shutdown-grace = 10s }
                  admin { port = 0 }
                  upstreams { app { endpoints = ["%s"] } }
                  routes = [ { name = default, match { path-prefix = "/" }, upstream = app } ]
                }
                """.formatted(upstream));
        return file;
    }

    static RampartProcess start(String... args) throws IOException {
        return start(environment -> { }, args);
    }

    /** Starts the jar under an open-files limit of {@code limit} ({@code ulimit -n}, through {@code /bin/sh}). */
    static RampartProcess startWithOpenFiles(int limit, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("/bin/sh", "-c", "ulimit -n " + limit + " && exec \"$@\"",
                "sh"));
        command.addAll(javaCommand());
        command.addAll(List.of(args));
        return new RampartProcess(new ProcessBuilder(command).start());
    }

    /** Starts the jar with the environment {@code adjust} leaves (it gets this process's to change). */
    static RampartProcess start(java.util.function.Consumer<java.util.Map<String, String>> adjust, String... args)
            throws IOException {
        List<String> command = new java.util.ArrayList<>(javaCommand());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        adjust.accept(builder.environment());
        return new RampartProcess(builder.start());
    }

    /** The command that runs the jar, without its arguments. */
    private static List<String> javaCommand() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                // The jar turns leak detection off when nobody asks for it (NettyDefaults); the tests ask.
                "-Dio.netty.leakDetection.level=paranoid", "-jar", jar().toString());
    }

    /** Waits (bounded) until the proxy said it is listening. */
    RampartProcess awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (port < 0 && System.nanoTime() < deadline && process.isAlive()) {
            Thread.sleep(20);
        }
        if (port < 0) {
            throw new AssertionError("rampart did not start; stderr:\n" + String.join("\n", stderr));
        }
        return this;
    }

    int port() {
        return port;
    }

    int adminPort() {
        return adminPort;
    }

    Process process() {
        return process;
    }

    String stderr() {
        return String.join("\n", stderr);
    }

    String stdout() {
        return String.join("\n", stdout);
    }

    /**
     * Stops reading the process's stderr, as a stalled log collector does, until {@link #readStderrAgain}.
     * Takes effect after the line the reader is at: what the proxy writes next stays in the pipe.
     */
    void holdStderr() {
        stderrHeld = new java.util.concurrent.CountDownLatch(1);
    }

    void readStderrAgain() {
        java.util.concurrent.CountDownLatch held = stderrHeld;
        stderrHeld = null;
        if (held != null) {
            held.countDown();
        }
    }

    /** Waits for the process to end, and for what it wrote to be read, and returns its exit code. */
    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("rampart did not exit within " + seconds + "s; stderr:\n" + stderr());
        }
        if (stderrHeld == null) {
            for (Thread pump : pumps) {
                pump.join(2_000); // its last lines may still be in the pipe
            }
        }
        return process.exitValue();
    }

    private void pump(java.io.InputStream in, List<String> sink, boolean watchForStart) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.add(line);
                    java.util.concurrent.CountDownLatch held = watchForStart ? stderrHeld : null;
                    if (held != null) {
                        held.await();
                    }
                    if (watchForStart) {
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) {
                            adminPort = Integer.parseInt(m.group(2));
                            port = Integer.parseInt(m.group(1));
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "rampart-process-pump");
        t.setDaemon(true);
        pumps.add(t);
        t.start();
    }

    /** Kills the process if it still runs, then fails if it reported a leaked buffer at any point. */
    @Override
    public void close() throws InterruptedException {
        readStderrAgain();
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        for (Thread pump : pumps) {
            pump.join(2_000);
        }
        String leaks = java.util.stream.Stream.concat(stderr.stream(), stdout.stream())
                .filter(line -> line.contains("LEAK:"))
                .collect(java.util.stream.Collectors.joining("\n"));
        if (!leaks.isEmpty()) {
            throw new AssertionError("rampart reported a buffer leak:\n" + leaks);
        }
    }
}
