package dev.rampart.core.proxy;

import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The field names most heads carry, each in the spellings they come in (as usually written, and in lower case),
 * shared by every head that has them. Netty's decoders copy each name of a head into a new {@code AsciiString}
 * (the request decoder spares only five names, the response decoder none), and the head's list then checks that
 * copy character by character as a token: a browser's request of 17 fields and a response of 25 paid both for
 * every field. A name that matches one of these byte for byte is that one instead: the same bytes go on, and a
 * name known to be a token needs no check ({@link FieldListFactory#heads}).
 */
public final class CommonFieldNames {

    private static final String[] SPELLINGS = {
        // requests: browsers, API clients, the proxies in front
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection",
        "Cookie", "Referer", "Origin", "Authorization", "Content-Type", "Content-Length", "Upgrade-Insecure-Requests",
        "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User", "sec-ch-ua", "sec-ch-ua-mobile",
        "sec-ch-ua-platform", "If-None-Match", "If-Modified-Since", "Pragma", "DNT", "Priority", "Range",
        "traceparent", "tracestate", "baggage", "X-Request-Id", "X-Forwarded-For", "X-Forwarded-Proto",
        "X-Forwarded-Host", "X-Real-IP", "Via", "X-Requested-With",
        // responses: framing, caching, cookies, CORS, security
        "Server", "Date", "Keep-Alive", "Transfer-Encoding", "Set-Cookie", "ETag", "Vary", "Last-Modified",
        "Expires", "Age", "Location", "Content-Encoding", "Content-Disposition", "Content-Range", "Accept-Ranges",
        "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
        "Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
        "X-XSS-Protection", "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy",
        "Cross-Origin-Resource-Policy", "Cross-Origin-Embedder-Policy", "Server-Timing", "WWW-Authenticate",
        "Retry-After", "Alt-Svc", "X-Powered-By",
    };

    private static final int LONGEST = 32; // access-control-allow-credentials
    /** The shared names by their length, then by their first byte's low five bits: one or two to compare. */
    private static final AsciiString[][][] BY_LENGTH = new AsciiString[LONGEST + 1][32][0];

    static {
        Set<String> spellings = new LinkedHashSet<>();
        for (String name : SPELLINGS) {
            spellings.add(name);
            spellings.add(name.toLowerCase(Locale.ROOT));
        }
        for (String spelling : spellings) {
            AsciiString name = AsciiString.cached(spelling);
            AsciiString[][] byFirst = BY_LENGTH[name.length()];
            int first = name.byteAt(0) & 31;
            byFirst[first] = Arrays.copyOf(byFirst[first], byFirst[first].length + 1);
            byFirst[first][byFirst[first].length - 1] = name;
        }
    }

    private CommonFieldNames() {
    }

    /** The shared name spelled exactly as {@code line}'s {@code length} bytes from {@code start}; null for any other. */
    public static AsciiString of(byte[] line, int start, int length) {
        if (length == 0 || length > LONGEST) {
            return null;
        }
        for (AsciiString name : BY_LENGTH[length][line[start] & 31]) {
            if (Arrays.equals(name.array(), name.arrayOffset(), name.arrayOffset() + length, line, start, start + length)) {
                return name;
            }
        }
        return null;
    }

    /** Whether {@code name} is one of the shared names itself (not merely spelled as one): a token, checked once. */
    static boolean isShared(CharSequence name) {
        if (!(name instanceof AsciiString ascii) || ascii.isEmpty() || ascii.length() > LONGEST) {
            return false;
        }
        for (AsciiString shared : BY_LENGTH[ascii.length()][ascii.byteAt(0) & 31]) {
            if (shared == name) {
                return true;
            }
        }
        return false;
    }

    /** The spellings shared, for tests. */
    static Set<String> spellings() {
        Set<String> all = new LinkedHashSet<>();
        for (AsciiString[][] byFirst : BY_LENGTH) {
            for (AsciiString[] names : byFirst) {
                for (AsciiString name : names) {
                    all.add(new String(name.array(), name.arrayOffset(), name.length(), StandardCharsets.US_ASCII));
                }
            }
        }
        return all;
    }
}
