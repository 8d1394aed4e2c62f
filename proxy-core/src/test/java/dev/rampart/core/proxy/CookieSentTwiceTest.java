package dev.rampart.core.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A request's cookie as the proxy reads it: the first one for a balancing or canary key, and for a token (where
 * the value must be unique) {@link RequestCookies#SENT_TWICE} when the name comes twice, in one line, in two lines,
 * or hidden behind a comma that Netty reads as part of another cookie's value but an RFC 2109 server splits on.
 */
class CookieSentTwiceTest {

    private static HttpHeaders cookies(String... lines) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String line : lines) {
            headers.add("Cookie", line);
        }
        return headers;
    }

    @Test
    void withoutUniquenessTheFirstCookieOfTheNameIsTheValue() {
        assertEquals("a", RequestCookies.value(cookies("other=1; c=a; c=b"), "c", false));
        assertEquals("a", RequestCookies.value(cookies("c=a", "c=b"), "c", false));
        assertNull(RequestCookies.value(cookies("other=1"), "c", false));
        assertNull(RequestCookies.value(new DefaultHttpHeaders(), "c", false));
    }

    @Test
    void aTokenCookieSentOnceIsItsValue() {
        assertEquals("t0k", RequestCookies.value(cookies("theme=dark; session=t0k; lang=fr"), "session", true));
        assertEquals("t0k", RequestCookies.value(cookies("theme=dark", "session=t0k"), "session", true));
        assertNull(RequestCookies.value(cookies("theme=dark"), "session", true));
    }

    @Test
    void aTokenCookieSentTwiceInOneLineOrTwoIsNoAnswer() {
        assertSame(RequestCookies.SENT_TWICE, RequestCookies.value(cookies("session=a; session=b"), "session", true));
        assertSame(RequestCookies.SENT_TWICE, RequestCookies.value(cookies("session=a", "x=1; session=b"), "session", true));
    }

    @Test
    void aSecondTokenCookieHiddenBehindACommaIsNoAnswer() {
        // Netty reads "a" = "1, session=x" and one session; a server splitting on commas reads two sessions.
        assertSame(RequestCookies.SENT_TWICE, RequestCookies.value(cookies("a=1, session=x; session=y"), "session", true));
        assertSame(RequestCookies.SENT_TWICE, RequestCookies.value(cookies("a=1,session = x; session=y"), "session", true));
        assertSame(RequestCookies.SENT_TWICE, RequestCookies.value(cookies("a=1,\tsession=x; session=y"), "session", true));
        assertSame(RequestCookies.SENT_TWICE,
                RequestCookies.value(cookies("session=y", "a=1, session=x"), "session", true));
        assertSame(RequestCookies.SENT_TWICE, RequestCookies.value(cookies("a=1, session\t=x; session=y"), "session", true));
    }

    @Test
    void cookiesWhoseNamesOnlyStartOrEndLikeTheTokensDoNotCount() {
        assertEquals("y", RequestCookies.value(cookies("a=1, sessionid=x; session=y"), "session", true));
        assertEquals("y", RequestCookies.value(cookies("a=1, mysession=x; session=y"), "session", true));
        assertEquals("y", RequestCookies.value(cookies("a=1, session; session=y"), "session", true));
        assertEquals("y", RequestCookies.value(cookies("a=1, session x=1;; session=y;"), "session", true));
        assertEquals("y", RequestCookies.value(cookies("session=y", "a=1, session"), "session", true),
                "a name without '=' at the end of a line is no pair");
    }
}
