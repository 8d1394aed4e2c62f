package dev.rampart.server;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RampartConfig;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenFilesLimitTest {

    /** 1,000 clients, and 2 × 100 plus 1 × 50 upstream connections: 1,250 descriptors. */
    private static final RampartConfig CONFIG = ConfigLoader.parse("""
            rampart {
              server { max-connections = 1000 }
              upstreams {
                a { endpoints = ["10.0.0.1:80", "10.0.0.2:80"], max-connections-per-endpoint = 100 }
                b { endpoints = ["10.0.0.3:80"], max-connections-per-endpoint = 50 }
              }
              routes = [ { match { path-prefix = "/" }, upstream = a } ]
            }
            """, "test");

    @Test
    void aLimitBelowClientsPlusUpstreamConnectionsIsWarnedOfWithTheFigures() {
        Optional<String> warning = OpenFilesLimit.warning(1_249, 0, CONFIG);
        assertTrue(warning.isPresent());
        assertTrue(warning.get().startsWith("the open-files limit is 1249, below server.max-connections (1000) plus"
                + " the upstream pools' connections (250: "), warning.get());
        assertTrue(warning.get().contains("ulimit -n"), warning.get());
    }

    @Test
    void theFilesHeldBeforeAnyConnectionCountToo() {
        // 1,250 descriptors of connections fit a limit of 1,280 only if the JVM's own files are not 40 of them.
        Optional<String> warning = OpenFilesLimit.warning(1_280, 40, CONFIG);
        assertTrue(warning.isPresent(), "1,250 connections and 40 files held at the start need 1,290");
        assertTrue(warning.get().contains("plus the 40 files the process held at its start"), warning.get());
        assertEquals(Optional.empty(), OpenFilesLimit.warning(1_290, 40, CONFIG));
    }

    @Test
    void aLimitThatHoldsThemAllOrAnUnknownOneIsNot() {
        assertEquals(Optional.empty(), OpenFilesLimit.warning(1_250, 0, CONFIG));
        assertEquals(Optional.empty(), OpenFilesLimit.warning(1_048_576, 50, CONFIG));
        assertEquals(Optional.empty(), OpenFilesLimit.warning(-1, 50, CONFIG));
    }

    @Test
    void thisProcessHasAKnownLimitOnLinux() {
        assertTrue(OpenFilesLimit.ofThisProcess() > 0, "read from the JVM's operating system bean");
    }
}
