package dev.rampart.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar in a small container's shape: the JVM told its memory with {@code -XX:MaxRAM} and given the
 * image's {@code -XX:MaxRAMPercentage=75}, through {@code JDK_JAVA_OPTIONS} as the manifests pass flags. Netty's
 * direct memory must be held to 40% of that memory, not allowed the heap's ceiling again on top of the heap.
 */
class DirectMemoryLimitIT {

    private static final long MIB = 1024 * 1024;
    private static final Pattern LIMIT = Pattern.compile("(?m)^rampart_netty_direct_memory_max_bytes (\\S+)$");

    @TempDir
    Path dir;

    @Test
    void aSmallContainersDirectMemoryIsFortyPercentOfItsMemory() throws Exception {
        long limit = directMemoryLimit("-XX:MaxRAM=256m -XX:MaxRAMPercentage=75");

        assertEquals((long) (256 * MIB * 0.4), limit);
    }

    @Test
    void aDirectMemoryLimitGivenToTheJvmIsKept() throws Exception {
        long limit = directMemoryLimit("-XX:MaxRAM=256m -XX:MaxRAMPercentage=75 -XX:MaxDirectMemorySize=48m");

        assertEquals(48 * MIB, limit);
    }

    /**
     * Netty takes its direct memory itself, so that it counts a chunk against its limit before the chunk exists: with
     * the JDK's buffers it counted after, and at the limit every refused chunk stayed allocated until the JDK, at its
     * own larger limit, forced full collections (see {@link NettyDefaults}). Its buffers are then not the JDK's.
     */
    @Test
    void nettysDirectMemoryIsNotTheJdksBuffers() throws Exception {
        try (RampartProcess rampart = RampartProcess.start(environment -> environment.put("JDK_JAVA_OPTIONS",
                "-XX:MaxRAM=256m -XX:MaxRAMPercentage=75"), "--config",
                RampartProcess.writeConfig(dir, "127.0.0.1:9").toString())) {
            rampart.awaitListening();
            HttpClient client = HttpClient.newHttpClient();
            client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rampart.port() + "/")).build(),
                    HttpResponse.BodyHandlers.discarding()); // the proxy reads a request: Netty has a chunk
            String metrics = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + rampart.adminPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double netty = gauge(metrics, "rampart_netty_direct_memory_bytes");
            double jdk = gauge(metrics, "jvm_buffer_memory_used_bytes{id=\"direct\"}");

            assertTrue(netty >= MIB, "Netty holds a chunk: " + netty);
            assertTrue(jdk < netty, "the JDK's direct buffers (" + jdk + ") are not Netty's (" + netty + ")");
        }
    }

    private static double gauge(String metrics, String series) {
        Matcher value = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertTrue(value.find(), series + " in\n" + metrics);
        return Double.parseDouble(value.group(1));
    }

    private long directMemoryLimit(String jvmFlags) throws Exception {
        try (RampartProcess rampart = RampartProcess.start(environment -> environment.put("JDK_JAVA_OPTIONS", jvmFlags),
                "--config", RampartProcess.writeConfig(dir, "127.0.0.1:9").toString())) {
            rampart.awaitListening();
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + rampart.adminPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher limit = LIMIT.matcher(metrics);
            assertTrue(limit.find(), metrics);
            return (long) Double.parseDouble(limit.group(1));
        }
    }
}
