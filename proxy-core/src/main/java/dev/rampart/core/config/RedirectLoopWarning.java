package dev.rampart.core.config;

import java.util.List;
import java.util.Set;

/**
 * A redirect to a path on the same host with {@code keep-path = true} (the default) that sends the client back
 * to the route that redirected it: {@code location = "/maintenance.html"} sends {@code /shop} to
 * {@code /maintenance.html/shop}, which a catch-all route redirects again, and {@code location = "/"} without a
 * rewrite sends every request to the URL it asked for. A browser follows such a loop until it gives up. A
 * warning, not a refusal, and only where the loop is certain: what the client's next request matches also
 * depends on what it sends, which a config cannot know, so a route matched by headers, or one that does not take
 * the method the client follows the redirect with, is not warned about; nor is one before a route that might
 * take the redirect first (by a wildcard host, say).
 */
final class RedirectLoopWarning {

    /** Statuses a client follows with the same method; after 301, 302 and 303 browsers follow a POST with GET. */
    private static final Set<Integer> METHOD_KEPT = Set.of(307, 308);

    private RedirectLoopWarning() {
    }

    static void add(List<RouteConfig> routes, List<String> warnings) {
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig route = routes.get(i);
            RespondConfig respond = route.respond().orElse(null);
            if (respond == null || !respond.keepPath() || respond.location().isEmpty()
                    || !respond.location().get().startsWith("/")) {
                continue; // no redirect, or one to another host or to one fixed URL
            }
            boolean methodKept = METHOD_KEPT.contains(respond.status());
            if (!route.match().headers().isEmpty() || !takesFollowUpMethod(route.match(), methodKept)) {
                continue; // its next request may not be this route's: not the headers again, or another method
            }
            String location = respond.location().get();
            if (location.equals("/") && route.rewrite().isEmpty()) {
                warnings.add("route \"" + route.name() + "\": respond.location \"/\" with keep-path = true and no"
                        + " rewrite sends every request to the URL it asked for: a redirect loop");
            } else if (comesBack(routes, i, location, methodKept)) {
                warnings.add("route \"" + route.name() + "\": respond.location \"" + location + "\" with keep-path ="
                        + " true (the default) sends /x to " + location.replaceAll("/$", "") + "/x, which this route"
                        + " redirects again: a redirect loop; set keep-path = false to send every request to the"
                        + " location as written");
            }
        }
    }

    /**
     * Whether {@code match} may take the method a client follows the redirect with: GET, or with 307 and 308
     * ({@code methodKept}) the one it used, which the redirecting route took.
     */
    private static boolean takesFollowUpMethod(MatchConfig match, boolean methodKept) {
        return match.methods().isEmpty() || methodKept || match.methods().contains("GET");
    }

    /**
     * Whether every path the redirect makes (the location, then the request's path after a {@code /}) is taken by
     * route {@code index} again, and no route before it might take one of them first: one for the same host (or
     * any host, or a wildcard one), for a path that may be among them, for the method the client follows with.
     */
    private static boolean comesBack(List<RouteConfig> routes, int index, String location, boolean methodKept) {
        String made = location.endsWith("/") ? location : location + "/";
        RouteConfig route = routes.get(index);
        if (!prefixTakes(route.match(), made)) {
            return false;
        }
        for (int j = 0; j < index; j++) {
            MatchConfig earlier = routes.get(j).match();
            boolean mayTakeHost = earlier.host().isEmpty() || route.match().host().isEmpty()
                    || ShadowedRoutes.isWildcard(earlier.host()) || earlier.host().equals(route.match().host());
            String prefix = earlier.pathPrefix().orElse("/");
            boolean mayTakePath = earlier.pathRegex().isPresent() || made.startsWith(prefix) || prefix.startsWith(made);
            if (mayTakeHost && mayTakePath && takesFollowUpMethod(earlier, methodKept)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code match}'s path prefix takes every path that starts with {@code made}. */
    private static boolean prefixTakes(MatchConfig match, String made) {
        return match.pathRegex().isEmpty() && match.pathPrefix().isPresent()
                && made.startsWith(match.pathPrefix().get());
    }
}
