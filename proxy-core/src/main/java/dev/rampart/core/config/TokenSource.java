package dev.rampart.core.config;

import java.util.List;
import java.util.Locale;

/**
 * Where a route's {@code jwt} looks for a request's token (Envoy's {@code from_headers} and {@code from_cookies}):
 * a header, whose value after {@code prefix} is the token, or a cookie, whose value is.
 *
 * @param cookie whether {@code name} is a cookie's (else a header's)
 * @param name   the header's name (lower case) or the cookie's (as written: cookie names are case-sensitive)
 * @param prefix a header's text before the token, compared ignoring case ({@code "Bearer "}); "" for none and for
 *               cookies
 */
public record TokenSource(boolean cookie, String name, String prefix) {

    /** RFC 6750 §2.1, the one place looked in unless {@code from-headers} or {@code from-cookies} is given. */
    public static final List<TokenSource> DEFAULT = List.of(header("authorization", "Bearer "));

    public TokenSource {
        if (cookie && !prefix.isEmpty()) {
            throw new IllegalArgumentException("a cookie's value is the token: no prefix");
        }
    }

    public static TokenSource header(String name, String prefix) {
        return new TokenSource(false, name.toLowerCase(Locale.ROOT), prefix);
    }

    public static TokenSource cookie(String name) {
        return new TokenSource(true, name, "");
    }
}
