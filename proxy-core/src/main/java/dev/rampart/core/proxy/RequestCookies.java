package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

/**
 * A cookie of a request, read from every {@code Cookie} line as servers read them (Netty's lax decoder, quotes
 * around a value dropped): for a {@code consistent-hash} key, a canary's {@code by-cookie}, a {@code jwt} token.
 */
final class RequestCookies {

    /** What {@link #value} gives, with {@code unique}, for a cookie sent more than once; compared by identity. */
    static final String SENT_TWICE = new String("sent twice");

    private RequestCookies() {
    }

    /**
     * The value of the first cookie of that name; null without one. With {@code unique}, {@link #SENT_TWICE} when
     * the name comes again (in the same line or another), which is no answer where an application may read the
     * other one.
     */
    static String value(HttpHeaders headers, String name, boolean unique) {
        String found = null;
        for (String line : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(line)) {
                if (cookie.name().equals(name)) {
                    if (!unique) {
                        return cookie.value();
                    }
                    if (found != null) {
                        return SENT_TWICE;
                    }
                    found = cookie.value();
                }
            }
        }
        if (found != null && unique && pairsNamed(headers, name) > 1) {
            return SENT_TWICE;
        }
        return found;
    }

    /**
     * How many pairs of that name the {@code Cookie} lines hold with a comma taken as a separator too. Netty
     * reads {@code a=1, name=x; name=y} as {@code a} = {@code "1, name=x"} and one {@code name}, but a server
     * that parses as RFC 2109 allowed (older servlet containers) reads two, and may take the first, which
     * the proxy never saw.
     */
    private static int pairsNamed(HttpHeaders headers, String name) {
        int pairs = 0;
        for (String line : headers.getAll(HttpHeaderNames.COOKIE)) {
            int start = 0;
            while (start <= line.length()) {
                int end = start;
                while (end < line.length() && line.charAt(end) != ';' && line.charAt(end) != ',') {
                    end++;
                }
                if (isPairNamed(line, start, end, name)) {
                    pairs++;
                }
                start = end + 1;
            }
        }
        return pairs;
    }

    /** Whether {@code line[start, end)} is {@code name=...}, with spaces before the name or around the '='. */
    private static boolean isPairNamed(String line, int start, int end, String name) {
        int i = start;
        while (i < end && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        if (!line.startsWith(name, i) || i + name.length() > end) {
            return false;
        }
        i += name.length();
        while (i < end && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        return i < end && line.charAt(i) == '=';
    }
}
