package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which trailer fields travel on, in either direction. RFC 9110 §6.5.1 keeps fields out of trailers that
 * a recipient must see before the content (framing, routing, authentication, response control, content
 * metadata); a recipient that merges trailers into the head would otherwise take them as the head's. To
 * those this adds the fields the proxy sets or drops in heads ({@link ForwardedHeaders}), hop-by-hop ones,
 * and the fields a {@code Connection} line names.
 */
final class TrailerFields {

    /**
     * Fields a request's trailer section may not carry on to the upstream (RFC 9110 §6.5.1: framing,
     * routing, request modifiers, authentication, content metadata), plus the ones the proxy itself sets or
     * drops ({@link ForwardedHeaders#SET_BY_THE_PROXY}, {@link ForwardedHeaders#CLIENT_CLAIMS}):
     * an upstream that merges trailers into headers would otherwise take a client's X-Forwarded-For, Host
     * or request id for the proxy's.
     */
    private static final Set<String> NOT_IN_TRAILERS = Stream.of(
                    Stream.of("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                            "upgrade", "content-length", "content-type", "content-encoding", "content-range", "host",
                            "authorization", "proxy-authorization", "cookie", "expect", "max-forwards",
                            "cache-control", "pragma", "range", "if-match", "if-none-match", "if-modified-since",
                            "if-unmodified-since", "if-range", "via", "traceparent", "tracestate"),
                    ForwardedHeaders.SET_BY_THE_PROXY.stream().map(AsciiString::toString),
                    ForwardedHeaders.CLIENT_CLAIMS.stream().map(AsciiString::toString))
            .flatMap(names -> names)
            .collect(Collectors.toUnmodifiableSet());

    /**
     * Fields a response's trailer section may not carry on to the client (RFC 9110 §6.5.1: framing, response
     * control, authentication, credentials of either direction, content metadata), plus the ones the proxy itself
     * sets: a client that merges
     * trailers into headers would otherwise take an upstream's late Set-Cookie, Location or request id as
     * part of the response head.
     */
    private static final Set<String> NOT_IN_RESPONSE_TRAILERS = Set.of(
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
            "content-length", "content-type", "content-encoding", "content-range", "set-cookie", "www-authenticate",
            "proxy-authenticate", "authorization", "proxy-authorization", "cookie", "age", "cache-control", "expires", "date", "location", "retry-after", "vary",
            "via", "x-rampart-attempt");

    private TrailerFields() {
    }

    /**
     * Removes from a request's trailers what may not travel there (see {@link #NOT_IN_TRAILERS}), and the
     * fields named in a Connection line of the trailers or of the message's {@code head}.
     */
    static void dropForbiddenTrailers(HttpHeaders trailers, String requestIdHeader, HttpHeaders head) {
        dropTrailers(trailers, NOT_IN_TRAILERS, requestIdHeader, head);
    }

    /** As {@link #dropForbiddenTrailers}, for a response's trailers (see {@link #NOT_IN_RESPONSE_TRAILERS}). */
    static void dropForbiddenResponseTrailers(HttpHeaders trailers, String requestIdHeader, HttpHeaders head) {
        dropTrailers(trailers, NOT_IN_RESPONSE_TRAILERS, requestIdHeader, head);
    }

    private static void dropTrailers(HttpHeaders trailers, Set<String> forbidden, String requestIdHeader,
                                     HttpHeaders head) {
        if (trailers.isEmpty()) {
            return;
        }
        List<String> connection = new ArrayList<>(trailers.getAll(HttpHeaderNames.CONNECTION));
        if (head != null) {
            connection.addAll(head.getAll(HttpHeaderNames.CONNECTION)); // the head's names hold for the whole message
        }
        ConnectionNames named = ConnectionNames.of(connection);
        // Underscores read as dashes, as CGI, WSGI and Rack servers read them (see UnderscoreAliases).
        String requestId = requestIdHeader.replace('_', '-');
        trailers.names().stream()
                .filter(name -> {
                    String dashed = name.replace('_', '-');
                    return forbidden.contains(dashed.toLowerCase(Locale.ROOT))
                            || dashed.equalsIgnoreCase(requestId) || named.lists(name);
                })
                .toList()
                .forEach(trailers::remove);
    }
}
