package dev.rampart.core.proxy;

import dev.rampart.core.config.CorsConfig;
import dev.rampart.core.config.RouteConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CORS headers of a route that has a {@code cors} block (the Fetch standard's CORS protocol). The route
 * owns CORS: an upstream's own {@code Access-Control-*} response headers are replaced, so that a browser never
 * sees two answers. An allowed origin gets {@code Access-Control-Allow-Origin} on every response, relayed or
 * made by the proxy (an error envelope too, so that the page's script can read it); a preflight is answered
 * by the proxy.
 */
final class CorsHeaders {

    private static final List<CharSequence> RESPONSE_HEADERS = List.of(
            HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS,
            HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, HttpHeaderNames.ACCESS_CONTROL_MAX_AGE);

    private static final String ACCESS_CONTROL = "access-control-";

    private CorsHeaders() {
    }

    /**
     * A CORS preflight the route answers itself: {@code OPTIONS} with {@code Origin} and
     * {@code Access-Control-Request-Method}, on a route with {@code cors}.
     */
    static boolean isAnsweredPreflight(RouteConfig route, HttpRequest head) {
        return route.cors().isPresent() && head.method().equals(HttpMethod.OPTIONS)
                && head.headers().contains(HttpHeaderNames.ORIGIN)
                && head.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /**
     * The headers a response to {@code request} carries on a route with {@code cors}: for an allowed origin,
     * the origin allowed, credentials and the exposed headers; and {@code Vary: Origin} whenever the answer
     * depends on the origin. Empty without {@code cors}.
     */
    static List<Map.Entry<String, String>> forResponse(Optional<CorsConfig> cors, HttpHeaders request) {
        if (cors.isEmpty()) {
            return List.of();
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>(4);
        boolean allowed = allowOrigin(cors.get(), request.get(HttpHeaderNames.ORIGIN), headers);
        if (allowed && !cors.get().exposeHeaders().isEmpty()) {
            headers.add(Map.entry("Access-Control-Expose-Headers", String.join(", ", cors.get().exposeHeaders())));
        }
        return headers;
    }

    /**
     * Replaces a relayed response's own {@code Access-Control-*} headers with the route's: every one, those
     * of later specifications too ({@code Access-Control-Allow-Private-Network}), since the route owns CORS.
     */
    static void applyToRelayed(Optional<CorsConfig> cors, HttpHeaders request, HttpHeaders response) {
        if (cors.isEmpty()) {
            return;
        }
        RESPONSE_HEADERS.forEach(response::remove);
        if (!response.isEmpty()) {
            removeOtherAccessControlHeaders(response);
        }
        for (Map.Entry<String, String> header : forResponse(cors, request)) {
            if (header.getKey().equals("Vary")) {
                ResponseCompression.addVary(response, header.getValue());
            } else {
                response.add(header.getKey(), header.getValue());
            }
        }
    }

    /**
     * Adds an upstream response's own {@code Access-Control-*} lines to {@code kept}: its CORS answer, which a
     * rewritten error keeps on a route without {@code cors} (see {@link ForwardedHeaders#keptOnRewrite}).
     */
    static void addUpstreamAnswer(HttpHeaders upstream, List<Map.Entry<String, String>> kept) {
        Iterator<Map.Entry<String, String>> it = upstream.iteratorAsString();
        while (it.hasNext()) {
            Map.Entry<String, String> line = it.next();
            if (isAccessControl(line.getKey())) {
                kept.add(Map.entry(line.getKey(), line.getValue()));
            }
        }
    }

    /**
     * {@code kept} without the upstream's CORS answer when the route has {@code cors}: it owns CORS, and its own
     * lines go on the envelope instead, so that a browser never sees two answers.
     */
    static List<Map.Entry<String, String>> withoutUpstreamAnswer(Optional<CorsConfig> cors,
                                                                 List<Map.Entry<String, String>> kept) {
        if (cors.isEmpty() || kept.stream().noneMatch(line -> isAccessControl(line.getKey()))) {
            return kept;
        }
        List<Map.Entry<String, String>> rest = new ArrayList<>(kept);
        rest.removeIf(line -> isAccessControl(line.getKey()));
        return rest;
    }

    private static boolean isAccessControl(CharSequence name) {
        return name.length() > ACCESS_CONTROL.length()
                && AsciiString.regionMatches(name, true, 0, ACCESS_CONTROL, 0, ACCESS_CONTROL.length());
    }

    private static void removeOtherAccessControlHeaders(HttpHeaders response) {
        List<CharSequence> others = null;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = response.iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            if (isAccessControl(name)) {
                others = others == null ? new ArrayList<>(1) : others;
                others.add(name);
            }
        }
        if (others != null) {
            others.forEach(response::remove);
        }
    }

    /**
     * The answer to a preflight: what the route allows when the origin, the method and every header asked
     * for are allowed; otherwise no {@code Access-Control-Allow-*} at all, which the browser takes as a no.
     */
    static List<Map.Entry<String, String>> forPreflight(CorsConfig cors, HttpHeaders request) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(8);
        String origin = request.get(HttpHeaderNames.ORIGIN);
        String method = request.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD, "").trim();
        List<String> asked = askedHeaders(request);
        boolean allowed = cors.allowsOrigin(origin) && cors.allowsMethod(method)
                && asked.stream().allMatch(cors::allowsHeader);
        if (allowed) {
            allowOrigin(cors, origin, headers);
            headers.add(Map.entry("Access-Control-Allow-Methods", String.join(", ", cors.allowMethods())));
            List<String> allowHeaders = cors.allowHeaders().equals(List.of(CorsConfig.ANY)) ? asked : cors.allowHeaders();
            if (!allowHeaders.isEmpty()) {
                headers.add(Map.entry("Access-Control-Allow-Headers", String.join(", ", allowHeaders)));
            }
            if (!cors.maxAge().isZero()) {
                headers.add(Map.entry("Access-Control-Max-Age", String.valueOf(cors.maxAge().toSeconds())));
            }
        }
        headers.removeIf(h -> h.getKey().equals("Vary"));
        // The answer depends on all three, whatever it was this time.
        headers.add(Map.entry("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"));
        return headers;
    }

    /**
     * Adds the origin's allowance (when it has one) and the Vary it calls for; true when allowed. Any origin
     * without credentials is a {@code *} on every response, an {@code Origin} or not: were it given only to
     * requests with one, a cache could keep the answer to a plain request (a navigation, a server's fetch) and
     * hand it, without the header, to a page's cross-origin fetch, which the browser would then refuse
     * (Fetch, "CORS protocol and HTTP caches"); the same answer for all needs no {@code Vary}.
     */
    private static boolean allowOrigin(CorsConfig cors, String origin, List<Map.Entry<String, String>> headers) {
        boolean star = cors.anyOrigin() && !cors.allowCredentials();
        boolean allowed = star || origin != null && cors.allowsOrigin(origin);
        if (allowed) {
            headers.add(Map.entry("Access-Control-Allow-Origin", star ? CorsConfig.ANY : origin.trim()));
            if (cors.allowCredentials()) {
                headers.add(Map.entry("Access-Control-Allow-Credentials", "true"));
            }
        }
        if (!star) {
            headers.add(Map.entry("Vary", "Origin")); // a cache must not hand one origin's answer to another
        }
        return allowed;
    }

    private static List<String> askedHeaders(HttpHeaders request) {
        List<String> asked = new ArrayList<>();
        ListElements.Cursor names = ListElements.of(request.getAll(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS));
        while (names.next()) {
            asked.add(names.element());
        }
        return asked;
    }
}
