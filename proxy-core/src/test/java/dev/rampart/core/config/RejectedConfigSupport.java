package dev.rampart.core.config;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** Writes a config to a real file, loads it expecting rejection, and names lines of that file. */
abstract class RejectedConfigSupport {

    @TempDir
    Path dir;

    /** The file last written by {@link #problemsOf}. */
    Path file;

    /** Writes the config and returns the problems it is rejected with. */
    List<String> problemsOf(String hocon) {
        file = HoconFiles.write(dir, hocon);
        return HoconFiles.problems(file);
    }

    /**
     * A config with one upstream {@code app} and {@code routes} as the route list's elements; the first
     * route's line is 4.
     */
    static String withRoutes(String routes) {
        return """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                %s
                  ]
                }
                """.formatted(routes);
    }

    /** The problems of a {@link #withRoutes} config whose problems are all on its first route's line, that line left out. */
    List<String> routeProblems(String hocon) {
        return problemsOf(hocon).stream().map(p -> p.replace(at(4), "")).toList();
    }

    /** The one route of a valid {@link #withRoutes} config. */
    RouteConfig onlyRoute(String route) {
        return HoconFiles.load(dir, withRoutes(route)).routes().get(0);
    }

    /** The location suffix of a problem on line {@code line} of the last file: {@code " (file:line)"}. */
    String at(int line) {
        return " (" + file + ":" + line + ")";
    }

    /** The 1-based line of the first line containing {@code marker}. */
    /** A config whose listener serves TLS with this certificate chain and key. */
    static String listener(Path cert, Path key) {
        return """
                rampart {
                  server { tls { cert-chain = "%s", private-key = "%s" } }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(cert, key);
    }

    static int lineOf(String text, String marker) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(marker)) {
                return i + 1;
            }
        }
        throw new AssertionError("no line contains " + marker);
    }
}
