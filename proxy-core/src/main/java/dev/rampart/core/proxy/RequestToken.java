package dev.rampart.core.proxy;

import dev.rampart.core.config.TokenSource;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The token a route's {@code jwt} checks, from the places its {@code from-headers} and {@code from-cookies} name
 * ({@code Authorization: Bearer <token>}, RFC 6750 §2.1, unless they are given). Never from the query or the body:
 * a token there would end up in logs and caches (and one in the query is refused: {@link #inQuery}).
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

    /**
     * The tokens a request carries in the places the route names, in their order; {@link #AMBIGUOUS} when a place
     * holds more than one value (a header on several lines, a cookie sent twice), which is no answer: an upstream
     * may read the other one. Every token found must pass, as Envoy checks every one it extracts: one checked while
     * another goes upstream unchecked would let an upstream that reads that other place trust a forgery.
     */
    static List<String> of(List<TokenSource> sources, HttpHeaders headers) {
        List<String> tokens = null;
        for (int i = 0; i < sources.size(); i++) {
            TokenSource source = sources.get(i);
            String token = source.cookie() ? fromCookie(source.name(), headers) : fromHeader(source, headers);
            if (token == AMBIGUOUS_VALUE) {
                return AMBIGUOUS;
            }
            if (token != null && !token.isEmpty()) {
                if (tokens == null) {
                    tokens = new ArrayList<>(1);
                }
                tokens.add(token);
            }
        }
        return tokens == null ? List.of() : tokens;
    }

    /**
     * Whether the request's target carries an {@code access_token} query parameter, where RFC 6750 §2.3 lets a
     * client put a bearer token, its name read as the upstream's framework reads it (percent-decoded, {@code +} a
     * space; {@code &} and {@code ;} both end a parameter, as some frameworks split on either). The proxy never takes
     * a token from there (it would end up in logs and caches), and one an upstream reads there must not arrive
     * unchecked beside the one that was (Envoy checks it): a route with {@code jwt} refuses such a request as it
     * refuses a header on two lines.
     */
    static boolean inQuery(String target) {
        int query = target.indexOf('?');
        if (query < 0) {
            return false;
        }
        int start = query + 1;
        while (start < target.length()) {
            int end = start;
            while (end < target.length() && target.charAt(end) != '&' && target.charAt(end) != ';') {
                end++;
            }
            int nameEnd = target.indexOf('=', start);
            if (nameEnd < 0 || nameEnd > end) {
                nameEnd = end;
            }
            if (isTokenParameter(target.substring(start, nameEnd))) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static boolean isTokenParameter(String name) {
        if (name.indexOf('%') < 0 && name.indexOf('+') < 0) {
            return name.equals(QUERY_PARAMETER);
        }
        try {
            return QueryStringDecoder.decodeComponent(name, StandardCharsets.UTF_8).equals(QUERY_PARAMETER);
        } catch (IllegalArgumentException malformedEscape) {
            // Frameworks leave a malformed escape as it is written, so such a name is never the parameter.
            return false;
        }
    }

    /** RFC 6750 §2.3's query parameter. */
    private static final String QUERY_PARAMETER = "access_token";

    /** What {@link #of} gives for a request with a place that holds more than one value. */
    static final List<String> AMBIGUOUS = List.of("");
    /** A place's answer when it holds more than one value; compared by identity. */
    private static final String AMBIGUOUS_VALUE = new String("ambiguous");

    /** The value of the cookie, spaces stripped; null without one; {@link #AMBIGUOUS_VALUE} when sent twice. */
    private static String fromCookie(String name, HttpHeaders headers) {
        String value = RequestCookies.value(headers, name, true);
        return value == RequestCookies.SENT_TWICE ? AMBIGUOUS_VALUE : value == null ? null : value.strip();
    }

    /**
     * The header's value after the prefix (which is compared ignoring case, as an auth scheme is), spaces
     * stripped; null when the header is missing or lacks the prefix; {@link #AMBIGUOUS_VALUE} when it is sent on
     * more than one line.
     */
    private static String fromHeader(TokenSource source, HttpHeaders headers) {
        List<String> lines = headers.getAll(source.name());
        if (lines.size() != 1) {
            return lines.isEmpty() ? null : AMBIGUOUS_VALUE;
        }
        String line = lines.get(0).strip();
        String prefix = source.prefix();
        if (line.length() <= prefix.length() || !line.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return null;
        }
        return line.substring(prefix.length()).strip();
    }

    /**
     * Takes every header and cookie that carries a token off a request on its way upstream. A header without
     * the prefix holds none ({@code Authorization: Basic …} on a route that reads {@code Bearer}) and goes on as
     * it came, as Envoy's {@code forward: false} leaves it.
     */
    static void removeFrom(List<TokenSource> sources, HttpHeaders headers) {
        for (TokenSource source : sources) {
            if (!source.cookie()) {
                if (fromHeader(source, headers) != null) {
                    headers.remove(source.name());
                }
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
