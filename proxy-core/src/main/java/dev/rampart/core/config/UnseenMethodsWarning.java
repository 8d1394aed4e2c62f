package dev.rampart.core.config;

import java.util.List;

/**
 * A route's {@code match.methods} naming a method no request that reaches routing can have: {@code "*"}, which is
 * taken as a method name (a token) and matches no request; {@code CONNECT}, which the listener refuses with 400
 * (a reverse proxy opens no tunnels); and those {@code server.refused-methods} refuses with 405 (TRACE and TRACK
 * by default). The route, or that part of it, never matches. A warning rather than a refusal: such configs loaded
 * before these checks, and a start must not fail on an upgrade for a route that never did anything.
 */
final class UnseenMethodsWarning {

    private UnseenMethodsWarning() {
    }

    static void add(RouteConfig route, ServerConfig server, List<String> warnings) {
        // In the order the effective config lists them: the methods are held in a Set.copyOf set, whose
        // order changes from one JVM to the next, and one config should warn in the same order on every start.
        for (String method : RenderValues.sortedMethods(route.match().methods())) {
            String why = method.equals("*") ? "is no method (leave methods out to match any)"
                    : method.equals("CONNECT") ? "is refused with 400 before routing (a reverse proxy opens no tunnels)"
                    : server.refusedMethods().contains(method) ? "is refused with 405 before routing"
                            + " (server.refused-methods)" : null;
            if (why != null) {
                warnings.add("route \"" + route.name() + "\": match.methods lists " + method + ", which " + why
                        + ", so no request matches it there");
            }
        }
    }
}
