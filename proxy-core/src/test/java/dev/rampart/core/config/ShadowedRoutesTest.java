package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The dead-route warnings, which look earlier routes up by prefix, must be those of comparing every pair of
 * routes, as they were found before: both are run on random configurations and compared.
 */
class ShadowedRoutesTest {

    private static final String[] HOSTS = {null, null, "a.example", "A.example.", "*.example", "b.a.example"};
    private static final String[] METHODS = {null, null, "[GET]", "[GET, POST]", "[POST]"};

    @Test
    void theWarningsAreThoseOfAScanOfEveryPairForRandomRoutes() {
        Random random = new Random(20261205);
        int warned = 0;
        for (int config = 0; config < 200; config++) {
            List<RouteConfig> routes = randomRoutes(random, 2 + random.nextInt(60));
            List<String> expected = new ArrayList<>();
            EveryPair.warn(routes, expected);
            List<String> actual = new ArrayList<>();
            ShadowedRoutes.warn(routes, actual);
            assertEquals(expected, actual, "config " + config);
            warned += actual.size();
        }
        assertEquals(true, warned > 500, "the random routes shadow each other often enough to test: " + warned);
    }

    private static List<RouteConfig> randomRoutes(Random random, int count) {
        StringBuilder hocon = new StringBuilder("rampart { routes = [\n");
        for (int i = 0; i < count; i++) {
            StringBuilder match = new StringBuilder();
            int path = random.nextInt(8);
            if (path < 5) {
                match.append("path-prefix = \"").append(randomPath(random, random.nextInt(4))).append("\", ");
            } else if (path == 5) {
                match.append("path-regex = \"^").append(randomPath(random, 1 + random.nextInt(2))).append("\", ");
            } else if (path == 6) {
                match.append("path-regex = \"").append(random.nextBoolean() ? "." : "[*]").append("\", ");
            }
            String host = HOSTS[random.nextInt(HOSTS.length)];
            if (host != null) {
                match.append("host = \"").append(host).append("\", ");
            }
            String methods = METHODS[random.nextInt(METHODS.length)];
            if (methods != null) {
                match.append("methods = ").append(methods).append(", ");
            }
            if (random.nextInt(5) == 0) {
                match.append("headers { x-v = \"").append(random.nextInt(2)).append("\" }, ");
            }
            hocon.append("{ name = r").append(i).append(", match { ").append(match)
                    .append("}, respond { status = 200 } }\n");
        }
        return ConfigLoader.parse(hocon.append("] }").toString(), "test").routes();
    }

    /** Short paths in normal form (no "//") over a small alphabet, so that prefixes nest, repeat and share stems. */
    private static String randomPath(Random random, int length) {
        StringBuilder path = new StringBuilder("/");
        while (path.length() <= length) {
            char c = "ab/".charAt(random.nextInt(3));
            if (c != '/' || path.charAt(path.length() - 1) != '/') {
                path.append(c);
            }
        }
        return path.toString();
    }

    /**
     * The comparison of every pair that ShadowedRoutes made before it looked routes up by prefix (its helpers for
     * hosts and headers, unchanged, are shared).
     */
    private static final class EveryPair {

        static void warn(List<RouteConfig> routes, List<String> warnings) {
            for (int later = 1; later < routes.size(); later++) {
                for (int earlier = 0; earlier < later; earlier++) {
                    MatchConfig first = routes.get(earlier).match();
                    MatchConfig then = routes.get(later).match();
                    if (covers(first, then)) {
                        warnings.add("route \"" + routes.get(later).name() + "\": can never match; route \""
                                + routes.get(earlier).name() + "\" before it takes every request it would"
                                + (ShadowedRoutes.isWildcard(first.host()) && !ShadowedRoutes.isWildcard(then.host())
                                        ? " (unlike in nginx or Envoy, an exact host does not win over a wildcard:"
                                        + " the first route that matches does; put the exact host first)" : ""));
                        break;
                    }
                }
            }
        }

        private static boolean covers(MatchConfig earlier, MatchConfig later) {
            return hostCovers(earlier.host(), later.host())
                    && (earlier.methods().isEmpty()
                            || !later.methods().isEmpty() && earlier.methods().containsAll(later.methods()))
                    && ShadowedRoutes.headersCover(earlier.headers(), later.headers())
                    && pathCovers(earlier, later);
        }

        private static boolean hostCovers(Optional<String> earlier, Optional<String> later) {
            if (earlier.isEmpty()) {
                return true;
            }
            if (later.isEmpty()) {
                return false;
            }
            String e = ShadowedRoutes.comparable(earlier.get());
            String l = ShadowedRoutes.comparable(later.get());
            return e.startsWith("*.") ? l.endsWith(e.substring(1)) && l.length() > e.length() - 1 : e.equals(l);
        }

        private static boolean pathCovers(MatchConfig earlier, MatchConfig later) {
            if (earlier.pathRegex().isPresent()) {
                return false;
            }
            String prefix = earlier.pathPrefix().orElse("/");
            if (later.pathRegex().isPresent()) {
                return prefix.equals("/") && !later.pathRegex().get().matcher("*").find();
            }
            return later.pathPrefix().orElse("/").startsWith(prefix);
        }
    }
}
