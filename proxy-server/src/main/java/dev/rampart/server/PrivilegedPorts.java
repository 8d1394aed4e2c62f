package dev.rampart.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this process may listen on a port, as Linux decides it: a port from
 * {@code net.ipv4.ip_unprivileged_port_start} (1024 unless lowered; Docker sets 0) on is anyone's, one below needs
 * CAP_NET_BIND_SERVICE in the effective set (root has it unless a container dropped it). Read from {@code /proc}, not
 * from a bind's error, whose words the C library gives in the locale's language ("Keine Berechtigung" under
 * {@code LANG=de_DE.UTF-8}), so that a check comparing them would pass a port the start cannot listen on.
 */
final class PrivilegedPorts {

    private static final int CAP_NET_BIND_SERVICE = 10;
    private static final String EFFECTIVE = "CapEff:";

    private PrivilegedPorts() {
    }

    /** Whether this process may listen on {@code port}; empty where {@code /proc} does not say (not Linux). */
    static Optional<Boolean> mayListenOn(int port) {
        return mayListenOn(port, Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"), Path.of("/proc/self/status"));
    }

    /** As above, from the given files (a test's). */
    static Optional<Boolean> mayListenOn(int port, Path unprivilegedPortStart, Path processStatus) {
        try {
            if (port >= Integer.parseInt(firstLine(unprivilegedPortStart).trim())) {
                return Optional.of(true);
            }
            for (String line : Files.readAllLines(processStatus)) {
                if (line.startsWith(EFFECTIVE)) {
                    long effective = Long.parseUnsignedLong(line.substring(EFFECTIVE.length()).trim(), 16);
                    return Optional.of((effective & (1L << CAP_NET_BIND_SERVICE)) != 0);
                }
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // a kernel before 4.11, or no /proc: the bind's own words decide
        }
    }

    /**
     * The first line, read at once: {@code Files.readString} reads a file whose size says 0 (a {@code /proc/sys}
     * one) a byte first, and the kernel answers a read past its start with nothing ("1" for 1024).
     */
    private static String firstLine(Path file) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            String line = reader.readLine();
            if (line == null) {
                throw new IOException(file + " is empty");
            }
            return line;
        }
    }
}
