package dev.rampart.server;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.config.UpstreamConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Optional;

/**
 * Whether the process may open as many files as its config lets it hold connections: a client connection and an
 * upstream connection are a descriptor each. Below that, a load the limits allow runs the proxy out of
 * descriptors first, and clients wait in the listener's backlog while it does; the operator should learn that at
 * the start, not in the incident (nginx warns that {@code worker_connections exceed open file resource limit}).
 */
final class OpenFilesLimit {

    /**
     * The descriptors the process held when this class was first used, at the start's config warnings, before
     * any client: the JVM's own (its jars, the event loops' rings or epoll sets, the log files), a few dozen
     * (23 with conf/proxy.conf), which the connections cannot have. Read once: at a reload the count includes the
     * connections that the limits below already count.
     */
    private static final long HELD_AT_START = openNow();

    private OpenFilesLimit() {
    }

    /** The open-files limit of this process (the JVM raises its soft limit to the hard one), or -1 if unknown. */
    static long ofThisProcess() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    /** The number of descriptors this process has open now, or 0 if unknown. */
    private static long openNow() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        try {
            return os instanceof UnixOperatingSystemMXBean unix ? Math.max(0, unix.getOpenFileDescriptorCount()) : 0;
        } catch (InternalError e) {
            // The JDK counts by listing /proc/self/fd, which takes a descriptor: at the limit it throws this,
            // and the count would end the start (or the message saying why the start failed) with a stack trace.
            return 0;
        }
    }

    /** The warning for this process running {@code config}, if it needs one. */
    static Optional<String> warningForThisProcess(RampartConfig config) {
        return warning(ofThisProcess(), HELD_AT_START, config);
    }

    /**
     * The warning for a process limited to {@code limit} open files, {@code held} of them taken before any
     * connection, running {@code config}, if it needs one.
     */
    static Optional<String> warning(long limit, long held, RampartConfig config) {
        long clients = config.server().maxConnections();
        long upstream = 0;
        for (UpstreamConfig u : config.upstreams().values()) {
            upstream += (long) u.maxConnectionsPerEndpoint() * u.endpoints().size();
        }
        if (limit < 0 || limit >= held + clients + upstream) {
            return Optional.empty();
        }
        return Optional.of("the open-files limit is " + limit + ", below server.max-connections (" + clients
                + ") plus the upstream pools' connections (" + upstream + ": each upstream's"
                + " max-connections-per-endpoint times its endpoints) plus the " + held + " files the process"
                + " held at its start; under load the proxy runs out of descriptors"
                + " before those limits, and new clients wait while it does. Raise it (ulimit -n, systemd's"
                + " LimitNOFILE=, Docker's --ulimit nofile=) or lower the limits");
    }
}
