package dev.rampart.core.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Routes that can never match because an earlier one takes every request they would: routes are tried in
 * order and the first match wins, so a later route with the same (or a narrower) match is dead config,
 * most often a copy-paste slip. The test is sound, not complete: it names a route only when the earlier
 * one's criteria provably cover it (a prefix of its prefix, the same or no host, no more methods or
 * headers required); regular expressions are compared only with a catch-all.
 */
final class ShadowedRoutes {

    private ShadowedRoutes() {
    }

    /**
     * A warning for each route an earlier one shadows, in route order. Only an earlier route whose prefix is a
     * prefix of the later one's path prefix (or, for a later regex route, a catch-all) can cover it, so those are
     * looked up by prefix rather than every pair compared: 20,000 routes are 200 million pairs, seconds of a
     * start or a reload.
     */
    static void warn(List<RouteConfig> routes, List<String> warnings) {
        Shape[] shapes = new Shape[routes.size()];
        Map<String, List<Integer>> byPrefix = new HashMap<>();
        for (int i = 0; i < shapes.length; i++) {
            shapes[i] = Shape.of(routes.get(i).match());
            if (shapes[i].prefix() != null) {
                byPrefix.computeIfAbsent(shapes[i].prefix(), p -> new ArrayList<>()).add(i); // in route order
            }
        }
        for (int later = 1; later < routes.size(); later++) {
            for (int earlier : candidates(byPrefix, shapes[later].prefix(), later)) {
                if (shapes[earlier].covers(shapes[later])) {
                    MatchConfig first = routes.get(earlier).match();
                    MatchConfig then = routes.get(later).match();
                    warnings.add("route \"" + routes.get(later).name() + "\": can never match; route \""
                            + routes.get(earlier).name() + "\" before it takes every request it would"
                            + (isWildcard(first.host()) && !isWildcard(then.host())
                                    ? " (unlike in nginx or Envoy, an exact host does not win over a wildcard:"
                                    + " the first route that matches does; put the exact host first)" : ""));
                    break;
                }
            }
        }
    }

    /**
     * The routes before {@code later} whose prefix is a prefix of {@code prefix} (for a regex route, null: the
     * catch-all ones, "/"), in route order: the only ones that can cover it.
     */
    private static List<Integer> candidates(Map<String, List<Integer>> byPrefix, String prefix, int later) {
        List<Integer> found = new ArrayList<>();
        String path = prefix == null ? "/" : prefix;
        for (int end = prefix == null ? 1 : 0; end <= path.length(); end++) {
            List<Integer> routes = byPrefix.get(path.substring(0, end));
            if (routes != null) {
                for (int i = 0; i < routes.size() && routes.get(i) < later; i++) {
                    found.add(routes.get(i));
                }
            }
        }
        found.sort(null);
        return found;
    }

    /**
     * What the comparison reads of a route's match.
     *
     * @param host       as the router compares it, or null for any host
     * @param prefix     the path prefix ("/" without one), or null for a route with a regex
     * @param takesAsterisk whether the route's regex finds the asterisk-form target of {@code OPTIONS *}
     */
    private record Shape(String host, String prefix, boolean takesAsterisk, MatchConfig match) {

        static Shape of(MatchConfig m) {
            return new Shape(m.host().map(ShadowedRoutes::comparable).orElse(null),
                    m.pathRegex().isPresent() ? null : m.pathPrefix().orElse("/"),
                    m.pathRegex().map(r -> r.matcher("*").find()).orElse(false), m);
        }

        /** Whether every request {@code later} matches is matched by this route, which comes before it. */
        boolean covers(Shape later) {
            return pathCovers(later) && hostCovers(later.host)
                    && (match.methods().isEmpty() || !later.match.methods().isEmpty()
                            && match.methods().containsAll(later.match.methods()))
                    && headersCover(match.headers(), later.match.headers());
        }

        private boolean pathCovers(Shape later) {
            if (prefix == null) {
                return false; // regexes are compared with a catch-all only
            }
            if (later.prefix == null) {
                // A prefix never matches the asterisk-form target of OPTIONS *, which a regex may.
                return prefix.equals("/") && !later.takesAsterisk;
            }
            return later.prefix.startsWith(prefix);
        }

        private boolean hostCovers(String laterHost) {
            if (host == null) {
                return true;
            }
            if (laterHost == null) {
                return false;
            }
            if (host.startsWith("*.")) {
                // *.example.com takes a.example.com and *.a.example.com, never example.com itself
                String suffix = host.substring(1);
                return laterHost.endsWith(suffix) && laterHost.length() > suffix.length();
            }
            return host.equals(laterHost);
        }
    }

    static boolean isWildcard(Optional<String> host) {
        return host.isPresent() && host.get().trim().startsWith("*.");
    }

    /** A host as the router compares it: case and a trailing dot do not count ({@code API.example.com.}). */
    static String comparable(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.length() > 1 && h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    static boolean headersCover(Map<String, String> earlier, Map<String, String> later) {
        for (Map.Entry<String, String> required : earlier.entrySet()) {
            if (!required.getValue().equals(later.get(required.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
