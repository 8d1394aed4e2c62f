package dev.rampart.core.proxy;

import dev.rampart.core.config.JwtConfig;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;

/**
 * The headers a route's {@code jwt} gives the upstream from a verified token's claims. Only the proxy sets them:
 * whatever the client sent under those names is dropped first, in every spelling that CGI, WSGI and Rack servers
 * read as the same ({@code X_User_Id} is {@code X-User-Id} to them), and from the request's trailers too.
 */
final class ClaimHeaders {

    private ClaimHeaders() {
    }

    /** The claims of a verified token onto a request head on its way upstream, and the token off it if asked. */
    static void apply(JwtConfig jwt, List<Map.Entry<String, String>> claims, HttpHeaders headers) {
        dropEverySpelling(jwt, headers);
        for (Map.Entry<String, String> claim : claims) {
            headers.set(claim.getKey(), claim.getValue());
        }
        if (!jwt.forwardToken()) {
            RequestToken.removeFrom(jwt.tokenSources(), headers);
        }
    }

    /** Drops the headers the route's claims go in, as the client may have sent them. */
    static void dropEverySpelling(JwtConfig jwt, HttpHeaders headers) {
        if (jwt.claimHeaders().isEmpty() || headers.isEmpty()) {
            return;
        }
        RouteHeaders.dropEverySpelling(headers, dashed -> jwt.claimHeaders().values().stream()
                .anyMatch(name -> dashed.equalsIgnoreCase(name.replace('_', '-'))));
    }
}
