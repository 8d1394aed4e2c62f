package dev.rampart.core.config;

import java.util.List;
import java.util.Optional;

/**
 * A redirect to a path on the same host with {@code keep-path = true} (the default) that sends the client back
 * to the route that redirected it: {@code location = "/maintenance.html"} sends {@code /shop} to
 * {@code /maintenance.html/shop}, which a catch-all route redirects again, and {@code location = "/"} without a
 * rewrite sends every request to the URL it asked for. A browser follows such a loop until it gives up. A
 * warning, not a refusal: what the client's next request matches also depends on what it sends, which a config
 * cannot know (a route matched by headers, or by a method the redirect changes, is not warned about).
 */
final class RedirectLoopWarning {

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
            String location = respond.location().get();
            if (location.equals("/") && route.rewrite().isEmpty()) {
                warnings.add("route \"" + route.name() + "\": respond.location \"/\" with keep-path = true and no"
                        + " rewrite sends every request to the URL it asked for: a redirect loop");
            } else if (comesBack(routes, i, location)) {
                warnings.add("route \"" + route.name() + "\": respond.location \"" + location + "\" with keep-path ="
                        + " true (the default) sends /x to " + location.replaceAll("/$", "") + "/x, which this route"
                        + " redirects again: a redirect loop; set keep-path = false to send every request to the"
                        + " location as written");
            }
        }
    }

    /**
     * Whether a request for the location followed by any path is taken by route {@code index} again: its prefix
     * takes the location, and no route before it would take it first.
     */
    private static boolean comesBack(List<RouteConfig> routes, int index, String location) {
        RouteConfig route = routes.get(index);
        if (!takes(route.match(), location) || !route.match().headers().isEmpty()
                || !route.match().methods().isEmpty() && !route.match().methods().contains("GET")) {
            return false;
        }
        for (int j = 0; j < index; j++) {
            MatchConfig earlier = routes.get(j).match();
            boolean sameHosts = earlier.host().isEmpty() || earlier.host().equals(route.match().host());
            if (sameHosts && takes(earlier, location)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code match}'s path prefix takes every path that starts with {@code location}. */
    private static boolean takes(MatchConfig match, String location) {
        Optional<String> prefix = match.pathPrefix();
        return match.pathRegex().isEmpty() && prefix.isPresent() && location.startsWith(prefix.get());
    }
}
