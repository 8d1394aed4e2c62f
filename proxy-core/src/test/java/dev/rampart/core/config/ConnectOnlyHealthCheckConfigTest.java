package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A health check's {@code type}: {@code http} (the default) or {@code tcp}, and the keys a tcp check refuses. */
class ConnectOnlyHealthCheckConfigTest extends HealthCheckBlockSupport {

    @Test
    void aCheckIsAnHttpOneUnlessItSaysTcp() {
        assertEquals(HealthCheckConfig.Type.HTTP, check("").type());
        assertEquals(HealthCheckConfig.Type.HTTP, check("type = http").type());
        HealthCheckConfig tcp = check("type = tcp, interval = 2s, timeout = 500ms, healthy-threshold = 1,"
                + " unhealthy-threshold = 4");
        assertEquals(HealthCheckConfig.Type.TCP, tcp.type());
        assertEquals(java.time.Duration.ofSeconds(2), tcp.interval());
        assertEquals(java.time.Duration.ofMillis(500), tcp.timeout());
        assertEquals(1, tcp.healthyThreshold());
        assertEquals(4, tcp.unhealthyThreshold());
        assertFalse(tcp.reuseConnection(), "each probe's connection is closed once made");
    }

    @Test
    void anHttpOnlyKeyBesideTypeTcpIsRefusedRatherThanIgnored() {
        List<String> problems = problems("type = tcp, path = \"/healthz\", expected-statuses = [200],"
                + " host = \"app.internal\", reuse-connection = true");
        String why = ": a check of type = tcp sends no request: remove %s, or use type = http" + at(3);
        assertEquals(List.of(
                "rampart.upstreams.app.health-check.path" + why.formatted("path"),
                "rampart.upstreams.app.health-check.expected-statuses" + why.formatted("expected-statuses"),
                "rampart.upstreams.app.health-check.host" + why.formatted("host"),
                "rampart.upstreams.app.health-check.reuse-connection: a check of type = tcp closes each connection"
                        + " once it is made, so none is kept for the next probe: remove reuse-connection, or use"
                        + " type = http" + at(3)), problems);
    }

    @Test
    void reuseConnectionFalseSaysWhatATcpCheckDoesAndIsAccepted() {
        assertEquals(HealthCheckConfig.Type.TCP, check("type = tcp, reuse-connection = false").type());
    }

    @Test
    void anUnknownTypeNamesTheTwoThereAre() {
        List<String> problems = problems("type = udp");
        assertEquals(List.of("rampart.upstreams.app.health-check.type: expected one of http, tcp, got \"udp\"" + at(3)),
                problems);
    }

    @Test
    void theEffectiveConfigOfATcpCheckParsesBackToIt() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], health-check { type = tcp, interval = 2s } } }
                  routes = [ { upstream = app } ]
                }
                """);
        String text = EffectiveConfigRenderer.render(config);
        assertTrue(text.contains("type = \"tcp\""), text);
        assertFalse(text.contains("expected-statuses"), "no key the tcp check would refuse: " + text);
        assertEquals(config, ConfigLoader.parse(text, "effective", java.util.Map.of()), text);
    }
}
