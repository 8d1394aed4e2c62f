package dev.rampart.core.config;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where an unknown key belongs when it is a real key at the wrong level: a breaker written in a route, a retry
 * in an upstream, a path prefix beside {@code match} instead of in it. A typo gets {@link DidYouMean}'s hint;
 * these are spelt right, so no spelling is close, and "unknown key" alone would send the operator to the docs.
 */
final class MisplacedKeys {

    private static final Pattern ROUTE = Pattern.compile("rampart\\.routes\\[\\d+]");
    private static final Pattern UPSTREAM = Pattern.compile("rampart\\.upstreams\\.[^.]+");
    private static final Pattern MATCH = Pattern.compile("rampart\\.routes\\[\\d+]\\.match");

    private static final Set<String> UPSTREAM_KEYS = Set.of("endpoints", "load-balancing", "connect-timeout",
            "max-connections-per-endpoint", "max-concurrent-requests", "pool-idle-timeout", "circuit-breaker",
            "health-check", "consistent-hash", "slow-start", "tls");
    private static final Set<String> ROUTE_KEYS = Set.of("match", "rewrite", "timeout", "retry", "errors", "respond",
            "rate-limit", "cors", "jwt", "compression", "request-headers", "response-headers", "preserve-host",
            "canary", "allow-from", "deny-from", "max-request-body", "response-idle-timeout");
    private static final Set<String> MATCH_KEYS = Set.of("host", "path-prefix", "path-regex", "methods", "headers");

    private MisplacedKeys() {
    }

    /** {@code " (...)"} naming where {@code key} goes, or empty text when it is not a key of another level. */
    static String hint(String sectionPath, String key) {
        if (ROUTE.matcher(sectionPath).matches()) {
            if (MATCH_KEYS.contains(key)) {
                return " (it goes inside the route's match { ... })";
            }
            if (UPSTREAM_KEYS.contains(key)) {
                return " (an upstream's key: it goes in upstreams.<name> { ... }, which the route names)";
            }
        } else if (UPSTREAM.matcher(sectionPath).matches() && (ROUTE_KEYS.contains(key) || MATCH_KEYS.contains(key))) {
            return " (a route's key: it goes in a route of routes = [ ... ])";
        } else if (MATCH.matcher(sectionPath).matches() && (key.equals("prefix") || key.equals("regex"))) {
            return " (did you mean \"path-" + key + "\"?)";
        }
        return "";
    }
}
