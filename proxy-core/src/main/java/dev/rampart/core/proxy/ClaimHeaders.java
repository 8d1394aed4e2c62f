package dev.rampart.core.proxy;

import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.config.TokenSource;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The headers a route's {@code jwt} gives the upstream from a verified token's claims. Only the proxy sets them:
 * whatever the client sent under those names is dropped first, in every spelling that CGI, WSGI and Rack servers
 * read as the same ({@code X_User_Id} is {@code X-User-Id} to them), and from the request's trailers too. So are
 * the other spellings of the headers the token is read from ({@code X_Jwt} beside {@code X-Jwt}): the proxy
 * checked the token under the name it was given only, and such a server could read the unchecked one.
 */
final class ClaimHeaders {

    private ClaimHeaders() {
    }

    /** The claims of a verified token onto a request head on its way upstream, and the token off it if asked. */
    static void apply(JwtConfig jwt, List<Map.Entry<String, String>> claims, HttpHeaders headers) {
        dropEverySpelling(jwt, headers);
        dropTokenAliases(jwt, headers);
        for (Map.Entry<String, String> claim : claims) {
            headers.set(claim.getKey(), claim.getValue());
        }
        if (!jwt.forwardToken()) {
            RequestToken.removeFrom(jwt.tokenSources(), headers);
        }
    }

    /**
     * Drops from a request's trailers the claim headers and the token headers in every spelling: a token
     * in a trailer was never checked (nor is one looked for there), and an upstream that merges trailers
     * into the head would take it as the request's.
     */
    static void dropFromTrailers(JwtConfig jwt, HttpHeaders trailers) {
        dropEverySpelling(jwt, trailers);
        if (!trailers.isEmpty()) {
            RouteHeaders.dropEverySpelling(trailers, dashed -> namesTokenHeader(jwt, dashed));
        }
    }

    /** Drops the headers the route's claims go in, as the client may have sent them. */
    static void dropEverySpelling(JwtConfig jwt, HttpHeaders headers) {
        if (jwt.claimHeaders().isEmpty() || headers.isEmpty()) {
            return;
        }
        RouteHeaders.dropEverySpelling(headers, dashed -> isClaimHeader(jwt, dashed));
    }

    /** Whether a header whose name reads {@code dashed} with dashes for underscores carries one of the claims. */
    static boolean isClaimHeader(JwtConfig jwt, String dashed) {
        for (String name : jwt.claimHeaders().values()) {
            if (dashed.equalsIgnoreCase(name.replace('_', '-'))) {
                return true;
            }
        }
        return false;
    }

    /** Drops a token header's spellings other than its own; one that differs has an underscore in it. */
    private static void dropTokenAliases(JwtConfig jwt, HttpHeaders headers) {
        if (!anyNameHasUnderscore(headers) && !anyTokenHeaderHasUnderscore(jwt)) {
            return; // every request of the route passes here: no names listed when no alias can be present
        }
        headers.names().stream()
                .filter(present -> namesTokenHeader(jwt, present.replace('_', '-')) && !isTokenHeader(jwt, present))
                .toList()
                .forEach(headers::remove);
    }

    private static boolean namesTokenHeader(JwtConfig jwt, String dashed) {
        for (TokenSource source : jwt.tokenSources()) {
            if (!source.cookie() && dashed.equalsIgnoreCase(source.name().replace('_', '-'))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTokenHeader(JwtConfig jwt, String name) {
        for (TokenSource source : jwt.tokenSources()) {
            if (!source.cookie() && name.equalsIgnoreCase(source.name())) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyTokenHeaderHasUnderscore(JwtConfig jwt) {
        for (TokenSource source : jwt.tokenSources()) {
            if (!source.cookie() && source.name().indexOf('_') >= 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyNameHasUnderscore(HttpHeaders headers) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            if (AsciiString.indexOf(it.next().getKey(), '_', 0) >= 0) {
                return true;
            }
        }
        return false;
    }
}
