package dev.rampart.core.routing;

import dev.rampart.core.config.MatchConfig;
import dev.rampart.core.config.PathRewrite;
import dev.rampart.core.config.RegexBudget;
import dev.rampart.core.config.RouteConfig;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One compiled route: its configuration plus the match criteria laid out as plain fields and arrays,
 * so that testing a request touches no collections and allocates nothing. A {@code path-regex} is tested
 * with a {@link Matcher} kept per thread and reset for each path: a fresh matcher costs about 200 bytes,
 * once per regex route tried, and a matcher is not thread-safe while routes are shared by event loops.
 *
 * <p>Instances are immutable and shared by every request that matches the route.
 */
public final class Route {

    private final RouteConfig config;
    /** Canonical exact host, or null. */
    private final String exactHost;
    /** {@code .suffix} of a {@code *.suffix} host, or null. */
    private final String wildcardSuffix;
    private final String pathPrefix;
    private final Pattern pathRegex;
    /** This route's matcher for the current thread; null when the route has no {@code path-regex}. */
    private final ThreadLocal<Matcher> regexMatcher;
    private final String[] methods;
    private final String[] headerNames;
    private final String[] headerValues;
    private final PathRewrite rewrite;
    /** Position in the configuration: of two candidate routes the lower one is tried first. */
    private final int order;

    Route(RouteConfig config, int order) {
        this.config = Objects.requireNonNull(config, "config");
        this.order = order;
        MatchConfig match = Objects.requireNonNull(config.match(), "match");
        String host = match.host().map(Hosts::canonical).orElse(null);
        if (host == null || host.equals("*")) {
            exactHost = null;
            wildcardSuffix = null;
        } else if (host.startsWith("*.")) {
            exactHost = null;
            wildcardSuffix = host.substring(1);
        } else {
            exactHost = host;
            wildcardSuffix = null;
        }
        pathPrefix = match.pathPrefix().filter(p -> !p.isEmpty()).orElse(null);
        pathRegex = match.pathRegex().orElse(null);
        regexMatcher = pathRegex == null ? null : ThreadLocal.withInitial(() -> pathRegex.matcher(""));
        methods = match.methods().toArray(String[]::new);
        headerNames = new String[match.headers().size()];
        headerValues = new String[headerNames.length];
        int i = 0;
        for (Map.Entry<String, String> h : match.headers().entrySet()) {
            headerNames[i] = Hosts.asciiLowerCase(h.getKey());
            headerValues[i] = h.getValue();
            i++;
        }
        rewrite = config.rewrite().orElse(null);
    }

    /** The route as configured. */
    public RouteConfig config() {
        return config;
    }

    /** The route's name, as used in the envelope, metrics and the access log. */
    public String name() {
        return config.name();
    }

    /**
     * Applies the route's rewrite to the path part of an origin-form request target and keeps the
     * {@code ?query} as received. Returns the argument itself when the route has no rewrite or the
     * rewrite leaves the path unchanged, so the common case allocates nothing.
     *
     * @param pathAndQuery an origin-form target, such as {@code /api/orders?page=2}
     * @param budget       the request's regex budget, which a regex rewrite spends
     */
    public String rewritePath(String pathAndQuery, RegexBudget budget) {
        if (rewrite == null) {
            return pathAndQuery;
        }
        int q = pathAndQuery.indexOf('?');
        if (q < 0) {
            return rewrite.apply(pathAndQuery, budget);
        }
        String path = pathAndQuery.substring(0, q);
        String rewritten = rewrite.apply(path, budget);
        return rewritten.equals(path) ? pathAndQuery : rewritten.concat(pathAndQuery.substring(q));
    }

    /**
     * The prefix the route's rewrite removes from the path of {@code pathAndQuery} and puts nothing in place
     * of (see {@link PathRewrite#removedPrefix}); null when it removes none.
     */
    public String removedPrefix(String pathAndQuery) {
        if (rewrite == null) {
            return null;
        }
        int q = pathAndQuery.indexOf('?');
        return rewrite.removedPrefix(q < 0 ? pathAndQuery : pathAndQuery.substring(0, q));
    }

    @Override
    public String toString() {
        return "Route[" + name() + "]";
    }

    /** Whether the route names a host, exact or wildcard; routes without one take every host. */
    boolean hasHost() {
        return exactHost != null || wildcardSuffix != null;
    }

    /** The {@code path-prefix}, or null when the route has none (or an empty one, which every path starts with). */
    String pathPrefix() {
        return pathPrefix;
    }

    /** Position in the configuration, from 0: routes are tried in this order. */
    int order() {
        return order;
    }

    /** The canonical exact host, or null. */
    String exactHost() {
        return exactHost;
    }

    /** Whether the host criterion takes the request host {@code host[0, end)}, compared in place. */
    boolean matchesHost(String host, int end) {
        if (exactHost != null) {
            return Hosts.equalsKey(exactHost, host, end);
        }
        return wildcardSuffix == null || Hosts.endsWithSuffix(host, end, wildcardSuffix);
    }

    /** Every criterion but the host. Cheap tests first; the regex, the costly one, last. */
    boolean matchesRest(RequestView request) {
        String path = request.path();
        if (pathPrefix != null && (path == null || !path.startsWith(pathPrefix))) {
            return false;
        }
        if (methods.length != 0 && !contains(methods, request.method())) {
            return false;
        }
        for (int i = 0; i < headerNames.length; i++) {
            if (!request.headerHas(headerNames[i], headerValues[i])) {
                return false;
            }
        }
        return pathRegex == null || path != null && pathRegex(path, request.regexBudget());
    }

    /** Whether the regex is found in the path; {@link RegexBudget.GaveUp} when that costs too much. */
    private boolean pathRegex(String path, RegexBudget budget) {
        return budget.find(regexMatcher.get(), pathRegex, path);
    }

    private static boolean contains(String[] values, String value) {
        for (String v : values) {
            if (v.equals(value)) {
                return true;
            }
        }
        return false;
    }
}
