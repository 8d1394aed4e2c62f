package dev.rampart.server;

import java.util.Properties;
import java.util.function.Supplier;

/**
 * Netty settings the server chooses when the operator has not: applied to the system properties before
 * any Netty class reads them, so it must run first thing in {@link Main}.
 *
 * <p>Leak detection is off unless asked for. Netty's default ({@code simple}) wraps one buffer in 128 and
 * records a stack trace for it, which cost up to 5% of the proxy's throughput on small requests
 * (docs/performance.md); a leak is a bug the test suite hunts at {@code paranoid} level, not something
 * production should pay for on every request. An operator chasing a suspected leak turns it back on with
 * {@code -Dio.netty.leakDetection.level=simple} (or {@code advanced}, {@code paranoid}).
 *
 * <p>The hosts file is read again when it is older than five seconds at a lookup. Netty's default is to
 * read it once, at the first lookup, so a name added to or moved in {@code /etc/hosts} (a container's, a
 * test host's) stayed unknown or stale until a restart, where every other program on the host sees the
 * edit at once. The file is small and read only when a new upstream connection resolves a name.
 *
 * <p>Netty's direct memory (request and response bytes in flight, bodies kept for retries) is limited to 40% of
 * the memory the JVM sizes itself by when that is less than the JVM's own default, the heap's ceiling. The
 * default lets heap and direct memory each grow to the ceiling, 150% of a container's limit under the image's
 * {@code -XX:MaxRAMPercentage=75}: a container under a burst of uploads was OOM-killed by the kernel (exit
 * 137) before either limit was met, where past a limit the proxy answers 503 {@code UPSTREAM_OVERLOADED} and
 * serves on. The heap stays near its 64 MB start and the rest of the JVM takes some 60 MB, so 40% leaves
 * room (docs/deployment.md has the measurements). On a host with the JVM's default heap (a quarter of the
 * memory) nothing changes. {@code -XX:MaxDirectMemorySize} or {@code -Dio.netty.maxDirectMemory} wins.
 *
 * <p>Netty may take its direct memory itself ({@code io.netty.tryReflectionSetAccessible}, with the jar's
 * {@code Add-Opens: java.base/java.nio}), counting each chunk against its limit before allocating it. Without that,
 * on Java 9 and later, it asks the JDK for a buffer first and counts it after: at the limit each refused 4 MiB chunk
 * was already allocated, and stayed until a collection freed it, up to the JDK's own limit (the heap's ceiling again),
 * where the JDK forces full collections to make room. 400 uploads held at the limit of a JVM sized for 128 MiB
 * made 1,043 {@code System.gc()} pauses, 15 s of the 17 s they were held, every event loop stopped; with
 * Netty taking its own memory, none. Run otherwise than by {@code java -jar} (without the package opened), Netty
 * falls back to the JDK's buffers as before.
 */
final class NettyDefaults {

    static final String LEAK_DETECTION_LEVEL = "io.netty.leakDetection.level";
    /** The name Netty still honours from its 4.0 days. */
    static final String LEGACY_LEAK_DETECTION_LEVEL = "io.netty.leakDetectionLevel";
    /** In nanoseconds. */
    static final String HOSTS_FILE_REFRESH_INTERVAL = "io.netty.hostsFileRefreshInterval";
    static final long HOSTS_FILE_REFRESH_NANOS = 5_000_000_000L;
    static final String MAX_DIRECT_MEMORY = "io.netty.maxDirectMemory";
    static final String TRY_REFLECTION_SET_ACCESSIBLE = "io.netty.tryReflectionSetAccessible";
    /** The share of the JVM's memory Netty's direct memory may take when no limit was given. */
    static final double DIRECT_MEMORY_SHARE = 0.4;

    private NettyDefaults() {
    }

    /**
     * Sets the server's defaults in {@code properties} where no name of a setting is present, asking {@code memory}
     * only when the direct-memory share is to be chosen: reading the JVM's memory starts its management beans, some
     * 40 ms of a start (docs/performance.md), for nothing when the operator set {@code -Dio.netty.maxDirectMemory}.
     */
    static void apply(Properties properties, Supplier<JvmMemory> memory) {
        if (properties.getProperty(LEAK_DETECTION_LEVEL) == null
                && properties.getProperty(LEGACY_LEAK_DETECTION_LEVEL) == null) {
            properties.setProperty(LEAK_DETECTION_LEVEL, "disabled");
        }
        if (properties.getProperty(HOSTS_FILE_REFRESH_INTERVAL) == null) {
            properties.setProperty(HOSTS_FILE_REFRESH_INTERVAL, Long.toString(HOSTS_FILE_REFRESH_NANOS));
        }
        if (properties.getProperty(TRY_REFLECTION_SET_ACCESSIBLE) == null) {
            properties.setProperty(TRY_REFLECTION_SET_ACCESSIBLE, "true");
        }
        if (properties.getProperty(MAX_DIRECT_MEMORY) == null) {
            limitDirectMemory(properties, memory.get());
        }
    }

    private static void limitDirectMemory(Properties properties, JvmMemory memory) {
        if (memory.directLimitSet()) {
            return;
        }
        long share = (long) (memory.memory() * DIRECT_MEMORY_SHARE);
        if (share > 0 && share < memory.heapCeiling()) {
            properties.setProperty(MAX_DIRECT_MEMORY, Long.toString(share));
        }
    }
}
