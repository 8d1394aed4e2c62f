package dev.rampart.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the kernel's ephemeral port range starts: ports below it are never handed out by bind(0) or connect(). */
final class EphemeralPorts {

    /** Linux's default when the range cannot be read. */
    private static final int LINUX_DEFAULT_FIRST = 32768;
    private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private EphemeralPorts() {
    }

    static int first() {
        try {
            String[] bounds = Files.readString(RANGE).trim().split("\\s+");
            int first = Integer.parseInt(bounds[0]);
            // A range that starts very low leaves no room beneath it; keep the usual one then.
            return first > 2048 ? first : LINUX_DEFAULT_FIRST;
        } catch (IOException | RuntimeException e) {
            return LINUX_DEFAULT_FIRST;
        }
    }
}
