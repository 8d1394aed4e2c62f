package dev.rampart.core.proxy;

import dev.rampart.core.config.AddressRange;
import dev.rampart.core.errors.Reason;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Refuses requests that are malformed or ambiguous before anything is forwarded: a request an upstream
 * could frame differently from the proxy is how smuggling starts, so ambiguity is an error, never a guess.
 */
final class RequestValidation {

    private RequestValidation() {
    }

    /**
     * The reason to refuse {@code head} with, or null when it may proceed. A body over the limit is refused
     * on its route, not here (see {@code ClientRequestHandler}), so that the log names the route.
     */
    static Reason check(HttpRequest head) {
        if (head.decoderResult().isFailure()) {
            Throwable cause = head.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException) {
                // Only the request line is held to max-initial-line (header lines count against max-header-size),
                // and what makes one that long is its target: 414 (RFC 9110 §15.5.15), as nginx answers, so that
                // a client learns it was the URI and not its headers.
                return Reason.URI_TOO_LONG;
            }
            if (cause instanceof TooLongHttpHeaderException) {
                return Reason.REQUEST_HEADERS_TOO_LARGE;
            }
            return Reason.BAD_REQUEST;
        }
        if (hasLowerCase(head.method().name())) {
            // Method names are case-sensitive (RFC 9110 §9.1) and every registered one is upper case; an
            // upstream framework that upper-cases "delete" would run what a route matching methods = [DELETE]
            // was meant to keep out (nginx answers 400 too).
            return Reason.BAD_REQUEST;
        }
        if (HttpMethod.CONNECT.equals(head.method())) {
            // A reverse proxy opens no tunnels. Forwarded as a plain request, a CONNECT's 2xx would start one
            // the upstream believes open and the proxy does not carry (RFC 9110 §9.3.6).
            return Reason.BAD_REQUEST;
        }
        if (head.uri().equals("*") && !HttpMethod.OPTIONS.equals(head.method())) {
            return Reason.BAD_REQUEST; // RFC 9112 §3.2.4: the asterisk-form is for OPTIONS only (nginx: 400 too)
        }
        HttpHeaders h = head.headers();
        HttpVersion version = head.protocolVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
            // The codec let through only versions written as RFC 9112 §2.3 spells them: a later major one
            // (HTTP/2.0, HTTP/3.0) is a client speaking a protocol the listener does not (RFC 9110 §15.6.6,
            // nginx answers 505 too); HTTP/0.x is no version of the protocol at all.
            return version.majorVersion() >= 2 ? Reason.HTTP_VERSION_NOT_SUPPORTED : Reason.BAD_REQUEST;
        }
        // One pass for the three fields that frame and address the request, each counted.
        int teLines = 0;
        String te = null;
        int clLines = 0;
        String cl = null;
        int hostLines = 0;
        String host = null;
        Iterator<Map.Entry<CharSequence, CharSequence>> fields = h.iteratorCharSequence();
        while (fields.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = fields.next();
            switch (KnownFields.kindOf(field.getKey())) {
                case KnownFields.TRANSFER_ENCODING -> te = teLines++ == 0 ? field.getValue().toString() : te;
                case KnownFields.CONTENT_LENGTH -> cl = clLines++ == 0 ? field.getValue().toString() : cl;
                case KnownFields.HOST -> host = hostLines++ == 0 ? field.getValue().toString() : host;
                default -> { }
            }
        }
        if (teLines > 0 && clLines > 0) {
            return Reason.BAD_REQUEST;
        }
        if (teLines > 0 && head.protocolVersion() == HttpVersion.HTTP_1_0) {
            return Reason.BAD_REQUEST; // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing
        }
        if (teLines > 1) {
            return Reason.BAD_REQUEST; // read as one list by some parsers, as its last line by others
        }
        if (teLines == 1 && !isChunked(te)) {
            return codingsRefusal(te); // only exactly "chunked" is framed unambiguously
        }
        if (clLines > 1) {
            return Reason.BAD_REQUEST;
        }
        // Any number of digits (leading zeros are valid, RFC 9110 §8.6): one past a long failed in the decoder.
        if (clLines == 1 && (cl.isEmpty() || !allDigits(cl))) {
            return Reason.BAD_REQUEST;
        }
        if (hostLines > 1) {
            return Reason.BAD_REQUEST;
        }
        if (head.protocolVersion() == HttpVersion.HTTP_1_1 && hostLines == 0) {
            return Reason.BAD_REQUEST; // RFC 9112 §3.2: a 1.1 request without Host is invalid
        }
        if (host != null && !isHostSyntax(host)) {
            return Reason.BAD_REQUEST; // RFC 9112 §3.2: an invalid Host is refused, not routed or forwarded
        }
        if (!absoluteFormAgreesWithHost(head.uri(), host)) {
            return Reason.BAD_REQUEST;
        }
        return null;
    }

    private static boolean hasLowerCase(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'a' && c <= 'z') {
                return true;
            }
        }
        return false;
    }

    /**
     * An absolute-form target names its own authority; when it differs from Host, routing by one and
     * forwarding by the other would let a request reach what its Host never asked for.
     */
    static boolean absoluteFormAgreesWithHost(String target, String host) {
        int schemeEnd = target.indexOf("://");
        if (schemeEnd <= 0 || target.charAt(0) == '/') {
            return true; // origin-form (or asterisk-form): Host alone names the authority
        }
        String scheme = target.substring(0, schemeEnd);
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            return false;
        }
        String authority = authorityOf(target, schemeEnd);
        if (authority.isEmpty() || authority.indexOf('@') >= 0) {
            return false; // no host, or userinfo, which RFC 9110 §4.2.4 forbids in an http(s) target
        }
        return host != null && withoutRootDot(canonicalAuthority(authority, scheme))
                .equalsIgnoreCase(withoutRootDot(canonicalAuthority(host.trim(), scheme)));
    }

    /**
     * The authority without the root's dot at the end of its name: {@code example.com.} is {@code example.com}
     * (RFC 1034 §3.1), which Host routing takes it as too, and nginx serves such a pair. One dot only.
     */
    private static String withoutRootDot(String authority) {
        int colon = authority.lastIndexOf(':');
        int nameEnd = colon < 0 || authority.indexOf(']', colon) >= 0 ? authority.length() : colon;
        return nameEnd > 1 && authority.charAt(nameEnd - 1) == '.'
                ? authority.substring(0, nameEnd - 1) + authority.substring(nameEnd) : authority;
    }

    /**
     * Gives an HTTP/1.0 request in absolute-form without Host the Host its target names: such a request is
     * valid (only HTTP/1.1 requires Host), its target names the host (RFC 9112 §3.2.2), and it is routed and
     * forwarded by it as if the client had sent it as Host, as nginx does. Any other request is left as it is;
     * a target whose authority is empty or has userinfo is then refused by {@link #check}.
     */
    static void hostFromTarget(HttpRequest head) {
        String target = head.uri();
        int schemeEnd = target.indexOf("://");
        if (head.protocolVersion() != HttpVersion.HTTP_1_0 || schemeEnd <= 0 || target.charAt(0) == '/'
                || head.headers().contains(HttpHeaderNames.HOST)) {
            return;
        }
        String authority = authorityOf(target, schemeEnd);
        if (!authority.isEmpty() && authority.indexOf('@') < 0) {
            head.headers().set(HttpHeaderNames.HOST, authority);
        }
    }

    /** The authority of an absolute-form target whose scheme ends at {@code schemeEnd}: up to / ? or #. */
    private static String authorityOf(String target, int schemeEnd) {
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < target.length() && "/?#".indexOf(target.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        return target.substring(authorityStart, authorityEnd);
    }

    /**
     * The authority with its port in one form: none when the port is empty or the scheme's default
     * ({@code example.com:80}, {@code example.com:} and {@code example.com} name the same http authority,
     * RFC 9110 §4.2.3, RFC 3986 §6.2.3), else without leading zeros ({@code :080} is port 80).
     */
    private static String canonicalAuthority(String authority, String scheme) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || authority.indexOf(']', colon) >= 0) {
            return authority; // no port: an IPv6 literal's colons are inside its brackets
        }
        String port = authority.substring(colon + 1);
        if (!allDigits(port)) {
            return authority;
        }
        int firstSignificant = 0;
        while (firstSignificant < port.length() - 1 && port.charAt(firstSignificant) == '0') {
            firstSignificant++;
        }
        String digits = port.substring(firstSignificant);
        String defaultPort = scheme.equalsIgnoreCase("https") ? "443" : "80";
        return digits.isEmpty() || digits.equals(defaultPort) ? authority.substring(0, colon)
                : authority.substring(0, colon + 1) + digits;
    }

    /**
     * Whether {@code host} is {@code uri-host [ ":" port ]} (RFC 9110 §7.2, RFC 3986 §3.2.2) with a host
     * that can be one: an IP literal in brackets, or a non-empty name of letters, digits, {@code -},
     * {@code .} and {@code _}. RFC 3986 also lets a reg-name have sub-delims and percent-escapes, which no
     * DNS name has; a {@code #}, a {@code ,} or a {@code ;} would reach host-based routing
     * ({@code evil.com,tenant.wild.com} matches {@code *.wild.com}) while the application, reading the
     * first item of X-Forwarded-Host as Express and Spring do, would see another host.
     */
    static boolean isHostSyntax(String host) {
        int n = host.length();
        int i = 0;
        if (n > 0 && host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (i = 1; i < close; i++) {
                char c = host.charAt(i);
                if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                    return false;
                }
            }
            byte[] address = AddressRange.literalBytes(host.substring(1, close));
            if (address == null || address.length != 16) {
                return false; // "[1::2::3]", "[1.2.3.4]": no IPv6 address, which upstreams would get in X-Forwarded-Host
            }
            i = close + 1;
        } else {
            while (i < n && isNameChar(host.charAt(i))) {
                i++;
            }
            if (i == 0) {
                return false; // "Host:" or "Host: :80": no host to route by or forward (nginx answers 400 too)
            }
            if (host.startsWith(".") || host.lastIndexOf("..", i) >= 0) {
                return false; // an empty label (".corp.example", "a..b"): no host name, and routes would miss it
            }
        }
        if (i == n) {
            return true;
        }
        // A port names a TCP port: up to 65535 (":99999" would reach upstreams in X-Forwarded-Host).
        String port = host.substring(i + 1);
        return host.charAt(i) == ':' && allDigits(port) && port.length() <= 5
                && (port.isEmpty() || Integer.parseInt(port) <= 65535);
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_';
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Whether the Transfer-Encoding lines are exactly one coding, {@code chunked}: the only unambiguous framing. */
    static boolean onlyChunked(List<String> transferEncoding) {
        return transferEncoding.size() == 1 && isChunked(transferEncoding.get(0));
    }

    /**
     * Why a request whose one {@code Transfer-Encoding} line is not {@code chunked} alone is refused. Without
     * {@code chunked} as its final coding the body's length cannot be known (RFC 9112 §6.3: 400), nor with
     * {@code chunked} twice or an empty element. With {@code chunked} last after codings the proxy does not
     * decode ({@code gzip, chunked}) the framing is clear and the coding is what is missing: 501, as RFC 9112
     * §6.1 asks and nginx and Envoy answer. Either way the connection closes, its body unread.
     */
    private static Reason codingsRefusal(String transferEncoding) {
        int lastComma = transferEncoding.lastIndexOf(',');
        if (lastComma < 0 || !isChunked(transferEncoding.substring(lastComma + 1))) {
            return Reason.BAD_REQUEST;
        }
        for (String coding : transferEncoding.substring(0, lastComma).split(",", -1)) {
            if (coding.isBlank() || isChunked(coding)) {
                return Reason.BAD_REQUEST;
            }
        }
        return Reason.NOT_IMPLEMENTED;
    }

    /** Whether one Transfer-Encoding line is the coding {@code chunked} alone. */
    private static boolean isChunked(String transferEncoding) {
        return transferEncoding.trim().equalsIgnoreCase("chunked");
    }
}
