package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The shipped configs load without errors, and the bundled default is conf/proxy.conf. */
class ConfigExamplesTest {

    @ParameterizedTest
    @ValueSource(strings = {"../conf/proxy.conf", "../conf/examples/edge.conf", "../conf/examples/sidecar.conf",
            "../conf/examples/from-nginx.conf", "../conf/examples/from-haproxy.conf",
            "../conf/examples/from-spring-cloud-gateway.conf", "../conf/examples/from-envoy.conf"})
    void shippedConfigsValidate(String file) {
        RampartConfig config = ConfigLoader.load(Path.of(file), Map.of());
        assertTrue(!config.routes().isEmpty());
        assertEquals(config, ConfigLoader.parse(EffectiveConfigRenderer.render(config), "effective", Map.of()));
    }

    @Test
    void bundledDefaultIsConfProxyConf() throws IOException {
        String onDisk = Files.readString(Path.of("../conf/proxy.conf"));
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(ConfigLoader.DEFAULT_RESOURCE)) {
            assertEquals(onDisk, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void bundledDefaultIsTheSidecarOfTheContract() {
        RampartConfig config = ConfigLoader.loadDefault(Map.of());
        assertEquals(8080, config.server().port());
        assertEquals("127.0.0.1", config.admin().host());
        assertEquals(9901, config.admin().port());
        assertEquals(List.of(new EndpointAddress(false, "127.0.0.1", 8081)), config.upstreams().get("app").endpoints());
        assertEquals(List.of("default"), config.routes().stream().map(RouteConfig::name).toList());
        assertEquals(List.of(), ConfigWarnings.of(config));
    }

    @Test
    void bundledDefaultReadsTheContractsEnvironmentVariables() {
        RampartConfig config = ConfigLoader.loadDefault(Map.of("RAMPART_PORT", "18080", "RAMPART_ADMIN_PORT", "19901",
                "RAMPART_UPSTREAM", "app:3000"));
        assertEquals(18080, config.server().port());
        assertEquals(19901, config.admin().port());
        assertEquals(List.of(new EndpointAddress(false, "app", 3000)), config.upstreams().get("app").endpoints());
    }

    @Test
    void edgeExampleShowsTheFeaturesItClaims() {
        RampartConfig edge = ConfigLoader.load(Path.of("../conf/examples/edge.conf"), Map.of());
        assertTrue(edge.upstreams().values().stream().allMatch(u -> u.endpoints().size() > 1));
        assertTrue(edge.routes().stream().anyMatch(r -> r.respond().isPresent()));
        assertTrue(edge.routes().stream().anyMatch(r -> r.match().host().isPresent()));
        assertTrue(edge.routes().stream().anyMatch(r -> r.match().pathRegex().isPresent()));
        assertTrue(edge.routes().stream().anyMatch(r -> r.rewrite().orElse(null) instanceof PathRewrite.StripPrefix));
        assertTrue(edge.routes().stream().anyMatch(r -> r.rewrite().orElse(null) instanceof PathRewrite.RegexRewrite));
        assertTrue(edge.routes().stream().anyMatch(r -> r.canary().flatMap(CanaryConfig::sticky).isPresent()
                && r.canary().flatMap(CanaryConfig::byHeader).isPresent()));
        assertTrue(edge.routes().stream().anyMatch(r -> r.match().methods().equals(java.util.Set.of("POST"))
                && !r.retry().idempotencyKeyHeader().isEmpty()));
        assertTrue(edge.routes().stream().anyMatch(r -> r.errors().rewriteUpstream().size() == 2));
        assertTrue(edge.routes().stream().anyMatch(r -> r.maxRequestBody().isPresent()));
        assertTrue(edge.routes().stream().anyMatch(r -> r.rateLimit().isPresent()));
        assertTrue(edge.upstreams().values().stream().anyMatch(u -> !u.weights().isEmpty()));
        assertTrue(edge.upstreams().values().stream().anyMatch(u -> !u.backups().isEmpty() && !u.slowStart().isZero()));
        assertTrue(edge.upstreams().values().stream().anyMatch(u -> u.consistentHash()
                .map(ConsistentHashConfig::balanceFactor).orElse(0) > 0));
        assertTrue(edge.routes().stream().anyMatch(r -> !r.allowFrom().isEmpty()));
        assertTrue(edge.routes().stream().anyMatch(r -> !r.requestHeaders().isEmpty()
                && !r.responseHeaders().add().isEmpty()));
        assertTrue(edge.routes().stream().anyMatch(r -> r.respond().flatMap(RespondConfig::location).isPresent()
                && r.respond().get().keepPath()), "a redirect that keeps the path, as nginx's $request_uri");
        assertEquals(List.of(), ConfigWarnings.of(edge));
    }
}
