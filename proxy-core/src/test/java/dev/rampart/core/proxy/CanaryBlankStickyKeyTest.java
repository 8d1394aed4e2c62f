package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RouteConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A canary's sticky key that a request leaves blank does not pin it: every request with a blank key would
 * otherwise take one and the same slot, all on one side, instead of the configured share.
 */
class CanaryBlankStickyKeyTest {

    private static RouteConfig route(Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("rampart.conf"), """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] }, next { endpoints = ["127.0.0.1:8082"] } }
                  routes = [ { upstream = app, canary { upstream = next, percent = 10, sticky { key = header, name = X-Tenant } } } ]
                }
                """);
        return ConfigLoader.load(file, Map.of()).routes().get(0);
    }

    @Test
    void aBlankStickyHeaderTakesARandomSlotAndAPresentOneAlwaysTheSame(@TempDir Path dir) throws IOException {
        RouteConfig route = route(dir);
        Set<Integer> blank = new HashSet<>();
        Set<Integer> tenant = new HashSet<>();
        HttpHeaders empty = new DefaultHttpHeaders().add("X-Tenant", ",");
        HttpHeaders acme = new DefaultHttpHeaders().add("X-Tenant", "acme");
        for (int i = 0; i < 50; i++) {
            blank.add(CanarySplit.slot(route.canary().orElseThrow(), route, List.of(), empty, "/", "10.0.0.1"));
            tenant.add(CanarySplit.slot(route.canary().orElseThrow(), route, List.of(), acme, "/", "10.0.0.1"));
        }
        assertTrue(blank.size() > 1, "50 requests with a blank key all took slot " + blank);
        assertEquals(1, tenant.size());
    }
}
