package dev.rampart.core.config;

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

    /** A warning for each route an earlier one shadows, in route order. */
    static void warn(List<RouteConfig> routes, List<String> warnings) {
        for (int later = 1; later < routes.size(); later++) {
            for (int earlier = 0; earlier < later; earlier++) {
                MatchConfig first = routes.get(earlier).match();
                MatchConfig then = routes.get(later).match();
                if (covers(first, then)) {
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

    /** Whether every request {@code later} matches is matched by {@code earlier}. */
    private static boolean covers(MatchConfig earlier, MatchConfig later) {
        return hostCovers(earlier.host(), later.host())
                && (earlier.methods().isEmpty() || !later.methods().isEmpty() && earlier.methods().containsAll(later.methods()))
                && headersCover(earlier.headers(), later.headers())
                && pathCovers(earlier, later);
    }

    private static boolean hostCovers(Optional<String> earlier, Optional<String> later) {
        if (earlier.isEmpty()) {
            return true;
        }
        String e = comparable(earlier.get());
        if (later.isEmpty()) {
            return false;
        }
        String l = comparable(later.get());
        if (e.startsWith("*.")) {
            // *.example.com takes a.example.com and *.a.example.com, never example.com itself
            String suffix = e.substring(1);
            return l.endsWith(suffix) && l.length() > suffix.length();
        }
        return e.equals(l);
    }

    private static boolean isWildcard(Optional<String> host) {
        return host.isPresent() && host.get().trim().startsWith("*.");
    }

    /** A host as the router compares it: case and a trailing dot do not count ({@code API.example.com.}). */
    private static String comparable(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.length() > 1 && h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static boolean headersCover(Map<String, String> earlier, Map<String, String> later) {
        for (Map.Entry<String, String> required : earlier.entrySet()) {
            if (!required.getValue().equals(later.get(required.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean pathCovers(MatchConfig earlier, MatchConfig later) {
        if (earlier.pathRegex().isPresent()) {
            return false;
        }
        String prefix = earlier.pathPrefix().orElse("/");
        if (later.pathRegex().isPresent()) {
            // A prefix never matches the asterisk-form target of OPTIONS *, which a regex may.
            return prefix.equals("/") && !later.pathRegex().get().matcher("*").find();
        }
        return later.pathPrefix().orElse("/").startsWith(prefix);
    }
}
