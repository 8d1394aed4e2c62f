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
        return found;
    }
}
