package dev.rampart.server;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy out of file descriptors while clients keep connecting: connections wait in the listener's backlog
 * and every accept fails at once. Accepting must pause rather than spin, the failures must be told in a few
 * lines rather than one (with a stack trace) per failure, and the connections already open must be served.
 * On io_uring a multishot accept kept failing: a core's worth of failures, about 1 GB of log in 10 s.
 */
class OutOfDescriptorsIT {

    /** The JVM, its jars, the event loops and the two listeners take well under this; 300 clients do not fit. */
    private static final int OPEN_FILES = 200;
    private static final int CLIENTS = 300;

    @TempDir
    Path dir;

    @Test
    void acceptingPausesQuietlyAndOpenConnectionsAreServed() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             RampartProcess rampart = RampartProcess.startWithOpenFiles(OPEN_FILES, "--config",
                     RampartProcess.writeConfig(dir, upstream.authority()).toString())) {
            rampart.awaitListening();
            // Logged right after the line awaitListening waits for.
            Await.until(() -> rampart.stderr().contains("start: the open-files limit is " + OPEN_FILES + ", below"
                    + " server.max-connections (10000)"), "warned of at the start");
            List<SocketChannel> waiting = new ArrayList<>();
            try (Socket kept = new Socket("127.0.0.1", rampart.port())) {
                kept.setSoTimeout(10_000);
                assertTrue(get(kept).startsWith("HTTP/1.1 200"), "served before");
                for (int i = 0; i < CLIENTS; i++) {
                    SocketChannel client = SocketChannel.open();
                    client.configureBlocking(false);
                    client.connect(new InetSocketAddress("127.0.0.1", rampart.port()));
                    waiting.add(client);
                }
                Thread.sleep(1_000); // the proxy reaches its limit and the rest wait in the backlog
                SocketChannel admin = SocketChannel.open(); // the admin listener meets the same shortage
                admin.configureBlocking(false);
                admin.connect(new InetSocketAddress("127.0.0.1", rampart.adminPort()));
                waiting.add(admin);

                long cpuBefore = cpuTicks(rampart.process().pid());
                Thread.sleep(2_000);
                long cpuTicks = cpuTicks(rampart.process().pid()) - cpuBefore;
                assertTrue(cpuTicks < 100, cpuTicks + " ticks of CPU in 2 s at the limit: accepting spins"
                        + " (100 ticks are half a core)");
                long lines = rampart.stderr().lines().filter(line -> !line.contains("start: the open-files limit")
                        && (line.contains("Too many open files") || line.contains("file descriptors"))).count();
                assertTrue(lines >= 2 && lines <= 4, lines + " lines about the shortage:\n" + tail(rampart.stderr()));
                assertTrue(rampart.stderr().contains("cannot accept client connections"), tail(rampart.stderr()));
                assertTrue(rampart.stderr().contains("cannot accept admin connections"), tail(rampart.stderr()));
                assertTrue(get(kept).startsWith("HTTP/1.1 200"), "an open connection is served at the limit");
            } finally {
                for (SocketChannel client : waiting) {
                    client.close();
                }
            }
            // Descriptors free again: accepting resumes (within its pause).
            try (Socket fresh = new Socket("127.0.0.1", rampart.port())) {
                fresh.setSoTimeout(10_000);
                assertTrue(get(fresh).startsWith("HTTP/1.1 200"), "a new connection is served after");
            }
        }
    }

    private static String get(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("fine")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** User and system CPU time of process {@code pid} so far, in clock ticks (fields 14 and 15 of its stat). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static String tail(String text) {
        return text.length() <= 4_000 ? text : "..." + text.substring(text.length() - 4_000);
    }
}
