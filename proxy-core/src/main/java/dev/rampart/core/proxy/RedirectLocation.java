package dev.rampart.core.proxy;

import dev.rampart.core.config.RespondConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code Location} of a {@code respond} redirect: its configured location, {@code {host}} in it replaced by the
 * request's host, and with {@code keep-path} the request's path and query behind it (as the route's rewrite leaves
 * them): nginx's {@code return 301 https://$host$request_uri}.
 */
final class RedirectLocation {

    /**
     * A host the request may name that can stand in a URL as it is: a name (with {@code _}, which requests may
     * carry), an IPv4 or a bracketed IPv6 address.
     */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+]");

    private RedirectLocation() {
    }

    /** @param target the request's target as the route sends it on (see {@link UpstreamTarget#forUpstream}) */
    static String of(RespondConfig respond, HttpRequest head, String target) {
        String location = respond.location().orElseThrow();
        int placeholder = location.indexOf(RespondConfig.REQUEST_HOST);
        if (placeholder >= 0) {
            String host = requestHost(head);
            // Without a host to name (an HTTP/1.0 request without Host), the redirect stays on the same host:
            // the location's own path, without the scheme and port that cannot be written without a host.
            location = host == null ? pathAfter(location, placeholder + RespondConfig.REQUEST_HOST.length())
                    : location.substring(0, placeholder) + host
                    + location.substring(placeholder + RespondConfig.REQUEST_HOST.length());
        }
        // An asterisk-form target (OPTIONS *) names the server, not a path: there is no path to keep.
        if (!respond.keepPath() || "*".equals(target)) {
            return location.isEmpty() ? "/" : location;
        }
        String path = escaped(target);
        return location.endsWith("/") ? location + path.substring(1) : location + path;
    }

    /**
     * What follows the authority of {@code location} from {@code authorityEnd} on (past a {@code :port}): its path,
     * query and fragment, "/" before a query or fragment that follows the authority at once; "" when nothing does.
     * The first of the three delimiters ends the authority: a {@code /} inside a query is no path.
     */
    private static String pathAfter(String location, int authorityEnd) {
        for (int i = authorityEnd; i < location.length(); i++) {
            char c = location.charAt(i);
            if (c == '/') {
                return location.substring(i);
            }
            if (c == '?' || c == '#') {
                return "/" + location.substring(i);
            }
        }
        return "";
    }

    /**
     * The target with what a URI does not allow percent-encoded ({@code \}, quotes, braces, ...): a browser reads
     * {@code /\evil.example} as {@code //evil.example}, another host. Escapes already there are kept; the target is
     * in normal form, so nothing above ASCII is left in it.
     */
    private static String escaped(String target) {
        return RequestTarget.percentEncode(target, c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9' || "-._~!$&'()*+,;=:@/?%".indexOf(c) >= 0);
    }

    /** The request's {@code Host} without its port, in lower case; null without one a URL can carry. */
    private static String requestHost(HttpRequest head) {
        String host = head.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            return null;
        }
        int port = host.startsWith("[") ? host.indexOf("]:") + 1 : host.lastIndexOf(':');
        String name = port > 0 ? host.substring(0, port) : host;
        return HOST.matcher(name).matches() ? name.toLowerCase(Locale.ROOT) : null;
    }
}
