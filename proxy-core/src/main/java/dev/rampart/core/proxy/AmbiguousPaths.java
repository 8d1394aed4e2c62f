package dev.rampart.core.proxy;

import dev.rampart.core.config.PathEscapes;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.routing.Route;
import dev.rampart.core.routing.Router;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Paths that would be routed by one path and served as another, refused as ambiguous requests:
 * <ul>
 *   <li>Path parameters ({@code ;name=value} in a segment) as Tomcat, Jetty and Spring read them: they drop
 *       every segment's parameters before they resolve the path, so {@code /;/admin} is {@code /admin} to
 *       the application and {@code /api/internal;x/users} is {@code /api/internal/users}, while to routing,
 *       as to RFC 3986, they are part of the segment. A path that meets another route once its parameters
 *       are dropped would walk past a route that refuses a prefix. Parameters that leave the route as it
 *       was ({@code ;jsessionid=...}) pass untouched, and so do parameters of the last segment unless
 *       the path without them meets a route that refuses some requests or answers itself.</li>
 *   <li>A rewrite that makes a dot segment: {@code strip-prefix = "/api"} makes {@code /api../internal}
 *       into {@code /../internal}, which is {@code /internal} to the upstream: a request routed by
 *       {@code /api} would reach what a route before it keeps to itself (nginx's off-by-slash); and so, for a
 *       regex rewrite, does one that makes {@code %2e%2e} or an escape that is none.</li>
 * </ul>
 */
final class AmbiguousPaths {

    private AmbiguousPaths() {
    }

    /** Whether the request {@code view} shows, which routing gave to {@code matched}, would be served as another path. */
    static boolean ambiguous(Router router, NettyRequestView view, HttpRequest head, Route matched,
                             UpstreamTarget target) {
        if (target.rewritten() && rewrittenAmiss(ExchangeOutcome.pathOf(target.rewrittenRaw()))) {
            return true;
        }
        String uri = head.uri();
        int query = uri.indexOf('?');
        int semicolon = uri.indexOf(';');
        if (semicolon < 0 || query >= 0 && semicolon > query) {
            return false; // the common case looks no further
        }
        String path = ExchangeOutcome.pathOf(target.routed());
        String without = RequestTarget.removeDotSegments(withoutParameters(path));
        if (without.equals(path)) {
            return false;
        }
        Route other = router.match(new NettyRequestView(view, without));
        if (other == matched) {
            return false;
        }
        // Parameters in the last segment only change how that segment ends: they matter to a route matched by
        // a regex (an exact "^/admin$"), and refused there when that route refuses or answers itself (allow-from,
        // deny-from, jwt, rate-limit, respond: Spring and Tomcat would serve "/admin;x" as "/admin", past them),
        // while Tomcat's "/logo.png;jsessionid=..." goes on to the route it met, not to a "\.png$" one.
        boolean lastSegmentOnly = path.lastIndexOf('/') < path.indexOf(';');
        return !lastSegmentOnly || other != null && guards(other.config());
    }

    /** Whether a route refuses some requests, or answers them itself, rather than passing every one on. */
    private static boolean guards(RouteConfig route) {
        return route.respond().isPresent() || !route.allowFrom().isEmpty() || !route.denyFrom().isEmpty()
                || route.jwt().isPresent() || route.rateLimit().isPresent();
    }

    /**
     * Whether a rewrite made a path that is no path in normal form once its escapes are read: a dot segment (a
     * regex rewrite that drops characters can make {@code %2e%2e} of {@code %20e%20e}, which upstreams read as
     * {@code ..}), or an escape that is not one.
     */
    private static boolean rewrittenAmiss(String path) {
        if (path.indexOf('%') < 0) {
            return makesDotSegment(path);
        }
        return !RequestTarget.validEscapes(path) || makesDotSegment(PathEscapes.normalForm(path));
    }

    private static boolean makesDotSegment(String path) {
        return path.contains("/./") || path.contains("/../") || path.endsWith("/.") || path.endsWith("/..")
                || RequestTarget.hasDotSegmentWithParameters(path);
    }

    /** {@code path} with every segment's parameters dropped: from each {@code ;} up to the next {@code /}. */
    static String withoutParameters(String path) {
        StringBuilder out = new StringBuilder(path.length());
        boolean inParameters = false;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '/') {
                inParameters = false;
            } else if (c == ';') {
                inParameters = true;
            }
            if (!inParameters) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
