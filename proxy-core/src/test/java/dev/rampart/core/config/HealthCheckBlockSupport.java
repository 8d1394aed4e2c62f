package dev.rampart.core.config;

import java.util.List;

/** Loads, or collects the problems of, a config whose one upstream has the {@code health-check} block a test gives. */
abstract class HealthCheckBlockSupport extends RejectedConfigSupport {

    HealthCheckConfig check(String block) {
        return HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], health-check { %s } } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(block)).upstreams().get("app").healthCheck().orElseThrow();
    }

    /** The problems of a config whose health-check block, on line 3, is {@code block}. */
    List<String> problems(String block) {
        return problemsOf("""
                rampart {
                  upstreams { app {
                    endpoints = ["127.0.0.1:8081"], health-check { %s }
                  } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(block));
    }
}
