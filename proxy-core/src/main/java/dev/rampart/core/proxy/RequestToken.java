package dev.rampart.core.proxy;

import dev.rampart.core.config.TokenSource;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * The token a route's {@code jwt} checks, from the places its {@code from-headers} and {@code from-cookies} name
 * ({@code Authorization: Bearer <token>}, RFC 6750 §2.1, unless they are given). Never from the query or the body:
 * a token there would end up in logs and caches.
 */
final class RequestToken {

    /** The challenge of a 401 to a request without a token (RFC 6750 §3.1: no error code then). */
    static final String MISSING = "Bearer realm=\"rampart\"";
    /** The challenge of a 401 to a request whose token did not pass. */
    static final String INVALID = "Bearer realm=\"rampart\", error=\"invalid_token\"";
    /** The challenge of a 403 to a request whose token passed without the claims the route requires (§3.1). */
    static final String INSUFFICIENT = "Bearer realm=\"rampart\", error=\"insufficient_scope\"";

    private RequestToken() {
    }

    /** The token of the first place that carries one; null when none does. */
    static String of(List<TokenSource> sources, HttpHeaders headers) {
        for (int i = 0; i < sources.size(); i++) {
            TokenSource source = sources.get(i);
            String token = source.cookie() ? BalancingKey.cookie(headers, source.name()) : fromHeader(source, headers);
            if (token != null && !token.isEmpty()) {
                return token;
            }
        }
        return null;
    }

    /**
     * The header's value after the prefix (which is compared ignoring case, as an auth scheme is), spaces
     * stripped; null when the header is missing, sent on more than one line (which is no answer), or lacks the
     * prefix.
     */
    private static String fromHeader(TokenSource source, HttpHeaders headers) {
        List<String> lines = headers.getAll(source.name());
        if (lines.size() != 1) {
            return null;
        }
        String line = lines.get(0).strip();
        String prefix = source.prefix();
        if (line.length() <= prefix.length() || !line.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return null;
        }
        return line.substring(prefix.length()).strip();
    }

    /** Takes every header and cookie the token may come in off a request on its way upstream. */
    static void removeFrom(List<TokenSource> sources, HttpHeaders headers) {
        for (TokenSource source : sources) {
            if (!source.cookie()) {
                headers.remove(source.name());
            } else if (headers.contains(HttpHeaderNames.COOKIE)) {
                removeCookie(source.name(), headers);
            }
        }
    }

    /**
     * Drops the cookie's pairs from every {@code Cookie} line, the other pairs kept as they came; a line left
     * empty goes.
     */
    private static void removeCookie(String name, HttpHeaders headers) {
        List<String> kept = new ArrayList<>();
        for (String line : headers.getAll(HttpHeaderNames.COOKIE)) {
            StringBuilder rest = new StringBuilder(line.length());
            for (String pair : line.split(";")) {
                int equals = pair.indexOf('=');
                String pairName = (equals < 0 ? pair : pair.substring(0, equals)).strip();
                if (!pairName.equals(name) && !pair.isBlank()) {
                    rest.append(rest.length() == 0 ? "" : "; ").append(pair.strip());
                }
            }
            if (rest.length() > 0) {
                kept.add(rest.toString());
            }
        }
        headers.set(HttpHeaderNames.COOKIE, kept);
    }
}
