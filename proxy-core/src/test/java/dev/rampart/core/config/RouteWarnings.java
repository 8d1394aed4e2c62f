package dev.rampart.core.config;

import java.util.List;
import java.util.Map;

/** The warnings {@code --check} gives for a config around a few routes, all to one upstream. */
final class RouteWarnings {

    private RouteWarnings() {
    }

    /** A config around one route body; the upstream has enough connections not to warn by itself. */
    static List<String> warningsFor(String route) {
        return warningsForRoutes("{ name = \"orders\", upstream = app, " + route + " }");
    }

    /** A config around these routes, all to the one upstream {@code app}. */
    static List<String> warningsForRoutes(String routes) {
        return ConfigWarnings.of(ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], max-concurrent-requests = 512 } }
                  routes = [ %s ]
                }
                """.formatted(routes), "test.conf", Map.of()));
    }
}
