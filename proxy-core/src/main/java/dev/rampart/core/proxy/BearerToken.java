package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;

/**
 * The bearer token of a request (RFC 6750 §2.1): {@code Authorization: Bearer <token>}, the scheme in any case.
 * Only the header is read: a token in the query or the body would end up in logs and caches.
 */
final class BearerToken {

    /** The challenge of a 401 to a request without a token (RFC 6750 §3.1: no error code then). */
    static final String MISSING = "Bearer realm=\"rampart\"";
    /** The challenge of a 401 to a request whose token did not pass. */
    static final String INVALID = "Bearer realm=\"rampart\", error=\"invalid_token\"";

    private BearerToken() {
    }

    /** The token; null when there is none, or more than one {@code Authorization} line (which is no answer). */
    static String of(HttpHeaders headers) {
        List<String> lines = headers.getAll(HttpHeaderNames.AUTHORIZATION);
        if (lines.size() != 1) {
            return null;
        }
        String line = lines.get(0).strip();
        if (line.length() <= 7 || !line.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = line.substring(7).strip();
        return token.isEmpty() ? null : token;
    }
}
