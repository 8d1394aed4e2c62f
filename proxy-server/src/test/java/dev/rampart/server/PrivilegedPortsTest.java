package dev.rampart.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PrivilegedPortsTest {

    @TempDir
    Path dir;

    @Test
    void aPortBelowTheUnprivilegedStartNeedsTheCapability() throws Exception {
        Path start = Files.writeString(dir.resolve("start"), "1024\n");
        Path without = Files.writeString(dir.resolve("without"), "Name:\tjava\nCapEff:\t0000000000000000\n");
        Path with = Files.writeString(dir.resolve("with"), "Name:\tjava\nCapEff:\t0000000000000400\n");

        assertEquals(Optional.of(false), PrivilegedPorts.mayListenOn(80, start, without));
        assertEquals(Optional.of(true), PrivilegedPorts.mayListenOn(80, start, with));
        assertEquals(Optional.of(true), PrivilegedPorts.mayListenOn(1024, start, without));
    }

    @Test
    void aLoweredUnprivilegedStartLetsAnyoneListen() throws Exception {
        Path start = Files.writeString(dir.resolve("start"), "0\n");
        Path without = Files.writeString(dir.resolve("without"), "CapEff:\t0000000000000000\n");

        assertEquals(Optional.of(true), PrivilegedPorts.mayListenOn(80, start, without));
    }

    /** The kernel's own file, whose size says 0: read whole, not "1" of "1024". */
    @Test
    void theKernelsUnprivilegedPortStartIsReadWhole() throws Exception {
        Path start = Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start");
        assumeTrue(Files.isReadable(start), "a Linux of 4.11 or later");
        int first = Integer.parseInt(Files.readAllLines(start).get(0).trim());
        assumeTrue(first > 1, "ports below " + first + " are privileged here");
        Path without = Files.writeString(dir.resolve("without"), "CapEff:\t0000000000000000\n");

        assertEquals(Optional.of(false), PrivilegedPorts.mayListenOn(first - 1, start, without));
        assertEquals(Optional.of(true), PrivilegedPorts.mayListenOn(first, start, without));
    }

    @Test
    void noProcSaysNothing() {
        assertEquals(Optional.empty(), PrivilegedPorts.mayListenOn(80, dir.resolve("absent"), dir.resolve("absent")));
    }
}
