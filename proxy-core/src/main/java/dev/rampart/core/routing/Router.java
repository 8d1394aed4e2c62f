package dev.rampart.core.routing;

import dev.rampart.core.config.RouteConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Picks the route for a request: the first route, in configuration order, whose every criterion
 * holds. As in Envoy, order is the only priority: unlike NGINX locations, no route wins for being
 * more specific. Immutable and thread-safe; a reload compiles a new one and swaps it in.
 *
 * <p>Criteria, all of which must hold when present:
 * <ul>
 *   <li>{@code host}: compared without the request's port ({@code [::1]:8080} is {@code [::1]}), without
 *       one trailing dot, ignoring ASCII case. {@code *.example.com} takes {@code a.example.com} and
 *       {@code a.b.example.com} but not {@code example.com}; {@code *} takes any host. A request with
 *       no host is taken only by routes without a host criterion.</li>
 *   <li>{@code path-prefix}: a plain string prefix of the path, as Envoy's {@code prefix}:
 *       {@code /api} takes {@code /api}, {@code /api/x} and also {@code /apix}; write {@code /api/}
 *       to mean the segment. The path given here is already in normal form (the proxy's
 *       {@code RequestTarget}: dot segments resolved, escapes in one case, escaped slashes decoded), and so
 *       is the configured prefix; this class compares them as they are.</li>
 *   <li>{@code path-regex}: {@link java.util.regex.Matcher#find()} on that same path, so a pattern is
 *       anchored only where it says so ({@code ^/v[0-9]+/orders}).</li>
 *   <li>{@code methods}: exact, case-sensitive (RFC 9110: {@code get} is not {@code GET}).</li>
 *   <li>{@code headers}: the request's first value of each named header equals the configured value
 *       exactly; names are case-insensitive, values are not.</li>
 * </ul>
 *
 * <p>Why it is built the way it is: routes are bucketed at compile time by exact host. Each configured
 * exact host gets the ordered list of its own routes (those naming exactly that host), so a request for
 * a known host never tests another host's routes. The wildcard and host-less routes form one list, shared
 * by every host: a request for a known host walks its own list and that one together, in configuration
 * order (each route knows its position), testing the host of the shared ones only; any other host walks
 * the shared list alone. Bucketing therefore never changes which route wins, and the shared routes are held
 * once, not once per host (2,000 of them under 200 hosts were 65 MB of heap when each host had a copy).
 * Lookups compare the {@code Host} value in place: no substring, no lower-cased copy. A long list is
 * narrowed further by the path ({@link PathCandidates}): only routes whose prefix the path starts with,
 * and those without one, are tested, still in configuration order (four sorted lists merged: own and shared,
 * each with and without a prefix).
 */
public final class Router {

    private static final Route[] NO_ROUTES = new Route[0];

    private final List<Route> routes;
    /** Canonical exact host → the routes naming exactly that host, in order; no host test needed. */
    private final HostTable byExactHost;
    /** Wildcard and host-less routes, in order: for every host, walked beside a known host's own. */
    private final PathCandidates otherHosts;
    /** Host-less routes, in order, for requests without a host. */
    private final PathCandidates hostless;

    private Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
        Map<String, List<Route>> ownRoutes = new LinkedHashMap<>();
        for (Route route : routes) { // one pass: each host's routes, in order
            if (route.exactHost() != null) {
                ownRoutes.computeIfAbsent(route.exactHost(), host -> new ArrayList<>()).add(route);
            }
        }
        Map<String, PathCandidates> byHost = new LinkedHashMap<>();
        ownRoutes.forEach((host, own) -> byHost.put(host, PathCandidates.of(own.toArray(Route[]::new))));
        this.byExactHost = HostTable.of(byHost);
        this.otherHosts = PathCandidates.of(routes.stream().filter(r -> r.exactHost() == null).toArray(Route[]::new));
        this.hostless = PathCandidates.of(routes.stream().filter(r -> !r.hasHost()).toArray(Route[]::new));
    }

    /**
     * Compiles the routes in match order.
     *
     * @throws IllegalArgumentException when a route's host can never match (it names a port, or a
     *                                  {@code *} other than a leading {@code *.})
     */
    public static Router compile(List<RouteConfig> routes) {
        Objects.requireNonNull(routes, "routes");
        List<Route> compiled = new ArrayList<>(routes.size());
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig config = routes.get(i);
            try {
                compiled.add(new Route(config, i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("routes[" + i + "]." + e.getMessage(), e);
            }
        }
        return new Router(compiled);
    }

    /**
     * The route for a request.
     *
     * @return the first route whose every criterion holds, or {@code null} when none does (the caller
     *         answers {@code ROUTE_NOT_FOUND}); null rather than {@code Optional} because this runs for
     *         every request
     */
    public Route match(RequestView request) {
        String host = request.host();
        String path = request.path();
        if (host == null) { // host-less routes only, whose host there is nothing to test
            return firstMatch(hostless.prefixed(path), hostless.unprefixed(), NO_ROUTES, NO_ROUTES, null, 0, request);
        }
        int end = Hosts.hostEnd(host);
        PathCandidates own = byExactHost.get(host, end);
        return firstMatch(own == null ? NO_ROUTES : own.prefixed(path), own == null ? NO_ROUTES : own.unprefixed(),
                otherHosts.prefixed(path), otherHosts.unprefixed(), host, end, request);
    }

    /**
     * The first match among a host's own candidates (none for a host no route names: with and without a prefix)
     * and the shared ones (likewise), taken together in configuration order (each array is in it, and each route
     * knows its place): the host of an own route is known to match, a shared one's is tested.
     */
    private static Route firstMatch(Route[] ownPrefixed, Route[] ownOther, Route[] sharedPrefixed, Route[] sharedOther,
                                    String host, int end, RequestView request) {
        int a = 0;
        int b = 0;
        int c = 0;
        int d = 0;
        while (true) {
            int next = Integer.MAX_VALUE;
            int from = -1;
            if (a < ownPrefixed.length && ownPrefixed[a].order() < next) {
                next = ownPrefixed[a].order();
                from = 0;
            }
            if (b < ownOther.length && ownOther[b].order() < next) {
                next = ownOther[b].order();
                from = 1;
            }
            if (c < sharedPrefixed.length && sharedPrefixed[c].order() < next) {
                next = sharedPrefixed[c].order();
                from = 2;
            }
            if (d < sharedOther.length && sharedOther[d].order() < next) {
                from = 3;
            }
            Route route;
            switch (from) {
                case 0 -> route = ownPrefixed[a++];
                case 1 -> route = ownOther[b++];
                case 2 -> route = sharedPrefixed[c++];
                case 3 -> route = sharedOther[d++];
                default -> {
                    return null;
                }
            }
            if ((from < 2 || route.matchesHost(host, end)) && route.matchesRest(request)) {
                return route;
            }
        }
    }

    /** Every compiled route, in match order (for {@code --check} and {@code /admin/routes}). */
    public List<Route> routes() {
        return routes;
    }

    @Override
    public String toString() {
        return "Router" + routes;
    }
}
