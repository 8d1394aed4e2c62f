package dev.rampart.core.proxy;

import dev.rampart.core.observe.TraceContext;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Header rewriting between the two sides (RFC 9110 §7.6): hop-by-hop headers and those named in
 * {@code Connection} never cross; framing headers are set by the proxy, never copied, so a request is
 * always framed the way Rampart decided; forwarding headers are added.
 */
final class ForwardedHeaders {

    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    static final AsciiString X_FORWARDED_PREFIX = AsciiString.cached("x-forwarded-prefix");
    static final AsciiString X_RAMPART_ATTEMPT = AsciiString.cached("x-rampart-attempt");
    static final AsciiString X_FORWARDED_CLIENT_CERT = AsciiString.cached("x-forwarded-client-cert");
    /** The fields this class sets on every request to the upstream, replacing what the client sent. */
    static final List<AsciiString> SET_BY_THE_PROXY = List.of(X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST,
            X_REAL_IP, X_RAMPART_ATTEMPT);
    /**
     * A client's claims of how it reached the proxy, which frameworks believe when building URLs or choosing
     * what to serve: Spring reads X-Forwarded-Port, -Prefix and -Ssl beside -Host and -Proto, Rack and
     * Django read -Ssl and -Scheme, Symfony and IIS serve X-Original-URL or X-Rewrite-URL instead of the
     * request's own path (past a route meant to keep a client out). Rampart sets none of them, and
     * takes no client's word for them, as for {@code Forwarded}. Nor for the certificate it presented
     * ({@code X-Forwarded-Client-Cert}, which Envoy's default also sanitizes): only the proxy's own
     * handshake says that. {@code Proxy} is no claim but rides with them ("httpoxy"): it is no HTTP field
     * at all, and CGI, PHP-FPM and WSGI servers hand it to the application as {@code HTTP_PROXY}, which HTTP
     * libraries take as the proxy for their own outbound requests, so a client would route the upstream's
     * calls through a host of its choosing.
     */
    static final List<AsciiString> CLIENT_CLAIMS = List.of(FORWARDED, AsciiString.cached("x-forwarded-port"),
            X_FORWARDED_PREFIX, X_FORWARDED_CLIENT_CERT, AsciiString.cached("x-forwarded-ssl"),
            AsciiString.cached("x-forwarded-scheme"), AsciiString.cached("x-original-url"),
            AsciiString.cached("x-rewrite-url"), AsciiString.cached("proxy"));
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    static final String VIA_VALUE = "1.1 rampart";
    private static final String VIA_VALUE_1_0 = "1.0 rampart";
    private static final AsciiString FIRST_ATTEMPT = AsciiString.cached("1");

    private ForwardedHeaders() {
    }

    /**
     * The request head sent upstream by the first attempt, {@code X-Rampart-Attempt: 1} included, so that
     * the common single-attempt exchange copies the client's headers once; a retry sends
     * {@link #forAttempt} of it.
     *
     * @param contentLength the body length, or -1 for a chunked body; 0 for no body
     * @param removedPrefix the path prefix the route's rewrite removed, or null (see {@link UpstreamTarget})
     * @param clientCertificate the {@code X-Forwarded-Client-Cert} of the certificate the client presented on a
     *                      mutual-TLS listener, or null
     */
    static HttpRequest originRequest(HttpRequest in, String uri, String host, String requestIdHeader,
                                     String requestId, String clientIp, String proto, long contentLength,
                                     String removedPrefix, String clientCertificate) {
        return originRequest(in, uri, host, requestIdHeader, requestId, clientIp, clientIp, proto, contentLength,
                removedPrefix, clientCertificate);
    }

    /**
     * As above, for a request whose client is not the connection's peer: a trusted proxy in front named it
     * ({@link RealClient}). {@code X-Real-IP} is the client; {@code X-Forwarded-For} gets the peer, so the
     * chain stays one entry per hop, as Envoy extends it.
     */
    static HttpRequest originRequest(HttpRequest in, String uri, String host, String requestIdHeader,
                                     String requestId, String clientIp, String peerIp, String proto,
                                     long contentLength, String removedPrefix, String clientCertificate) {
        FieldList out = new FieldList();
        RequestFieldCopy copied = RequestFieldCopy.copy(in.headers(), out, requestIdHeader);
        if (copied.underscore || requestIdHeader.indexOf('_') >= 0) {
            UnderscoreAliases.dropFrom(out, requestIdHeader);
        }
        // What the client sent of the fields below was not copied: each is added once, after the client's lines.
        // RFC 7239's host and proto are claims of the client's, as its X-Forwarded-Host and -Proto would be,
        // and frameworks that read the field prefer it to the X-Forwarded-* ones set here; so are the others.
        out.add(HttpHeaderNames.HOST, host);
        // The chains are extended from what was copied: a field the sender named in Connection is its hop's
        // only (RFC 9110 §7.6.1), and goes no further, chain or not.
        String priorFor = copied.forwardedFor();
        out.add(X_FORWARDED_FOR, priorFor == null || priorFor.isBlank() ? peerIp : priorFor + ", " + peerIp);
        out.add(X_FORWARDED_PROTO, proto);
        out.add(X_REAL_IP, clientIp); // what nginx setups set it to ($remote_addr), not what the client claims
        if (removedPrefix != null) {
            // Where the application's paths sit in the client's: Spring and other frameworks put it before
            // the links they build, as Spring Cloud Gateway sets it for a stripped prefix.
            out.add(X_FORWARDED_PREFIX, removedPrefix);
        }
        if (clientCertificate != null) {
            out.add(X_FORWARDED_CLIENT_CERT, clientCertificate);
        }
        if (copied.clientHost != null) { // an HTTP/1.0 request without Host has none: its own claim goes no further
            out.add(X_FORWARDED_HOST, copied.clientHost);
        }
        out.add(HttpHeaderNames.VIA, via(copied.via(), in.protocolVersion()));
        out.add(requestIdHeader, requestId);
        // Two traceparent lines are no trace context at all (W3C Trace Context §3.2): both are replaced. Read
        // from the copy: one the client named in Connection stopped there, and a new trace starts.
        String incomingTrace = copied.traceparents == 1 ? copied.firstTraceparent : null;
        String trace = TraceContext.ensureTraceparent(incomingTrace);
        if (!trace.equals(incomingTrace)) {
            if (copied.traceparents > 0) {
                out.remove(TRACEPARENT);
            }
            out.add(TRACEPARENT, trace);
            if (copied.tracestate) {
                out.remove(TRACESTATE); // state belongs to the trace it came with, which was absent or malformed
            }
        }
        if (contentLength < 0) {
            out.add(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        } else if (contentLength > 0 || methodExpectsBody(in) || copied.draftWebSocketKeys) {
            out.add(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        out.add(X_RAMPART_ATTEMPT, FIRST_ATTEMPT); // never trusted from a client
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), uri, out);
    }

    /**
     * A response's Content-Length as the number it is: {@code 005} is valid (RFC 9110 §8.6: {@code 1*DIGIT}), and
     * the decoder read it as 5, but a client's parser may not (nginx writes the number too); the request side
     * already sends the length it counted.
     */
    static String withoutLeadingZeros(String length) {
        int first = 0;
        while (first < length.length() - 1 && length.charAt(first) == '0') {
            first++;
        }
        return first == 0 ? length : length.substring(first);
    }

    /**
     * The client's Host when the route preserves it and the client sent one; null when the Host sent upstream
     * is the authority of the endpoint each attempt goes to, which {@link #forAttempt} puts in.
     */
    static String preservedHost(HttpRequest in, boolean preserveHost) {
        return preserveHost ? in.headers().get(HttpHeaderNames.HOST) : null;
    }

    /** The client's IP address as X-Forwarded-For names it: IPv6 in its short form (RFC 5952), as nginx writes it. */
    static String clientIp(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return NetUtil.toAddressString(inet.getAddress());
        }
        return String.valueOf(address);
    }

    /**
     * The head for attempt number {@code attempt}: the first-attempt head itself for attempt 1, else a copy
     * of it carrying {@code X-Rampart-Attempt: attempt}; with {@code endpointHost} (the attempt's endpoint,
     * when the Host is not the client's) as its Host. The first attempt's head is changed only before it is
     * written, so a retry may copy it while an encoder still holds it.
     */
    static HttpRequest forAttempt(HttpRequest template, int attempt, String endpointHost) {
        if (attempt == 1) {
            if (endpointHost != null && !endpointHost.equals(template.headers().get(HttpHeaderNames.HOST))) {
                template.headers().set(HttpHeaderNames.HOST, endpointHost);
            }
            return template;
        }
        HttpHeaders headers = template.headers().copy();
        headers.set(X_RAMPART_ATTEMPT, attempt);
        if (endpointHost != null) {
            headers.set(HttpHeaderNames.HOST, endpointHost);
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, template.method(), template.uri(), headers);
    }

    /**
     * The response head sent to the client.
     *
     * @param chunked whether the body goes out chunked (the upstream's was, or it was close-delimited)
     */
    static HttpResponse clientResponse(HttpResponse in, String requestIdHeader, String requestId,
                                       boolean chunked, ClientResponder.Keep keep, AsciiString keepAliveHint) {
        HttpHeaders out = new FieldList();
        ResponseFieldCopy copied = ResponseFieldCopy.copy(in.headers(), out, requestIdHeader);
        // What the upstream sent of the fields below was not copied: each is added once, after its lines.
        if (chunked) {
            out.add(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        } else if (copied.contentLength != null) {
            out.add(HttpHeaderNames.CONTENT_LENGTH, withoutLeadingZeros(copied.contentLength));
        }
        out.add(HttpHeaderNames.VIA, via(copied.via(), in.protocolVersion())); // as copied: see originRequest
        if (!copied.date) {
            out.add(HttpHeaderNames.DATE, HttpDate.now()); // RFC 9110 §6.6.1: a forwarder adds the missing Date
        }
        out.add(requestIdHeader, requestId);
        keep.announce(out, keepAliveHint);
        List<String> upgrade = requiredUpgrade(in);
        if (!upgrade.isEmpty()) {
            out.set(HttpHeaderNames.UPGRADE, upgrade);
            nameUpgradeInConnection(out);
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, relayedStatus(in.status()), out);
    }

    /**
     * A 426's {@code Upgrade} lines, which name the protocol the client must switch to (RFC 9110 §15.5.22
     * requires them): the one response where that hop-by-hop field speaks to the client too, so it is
     * passed on, relayed or rewritten. Empty for any other response.
     */
    private static List<String> requiredUpgrade(HttpResponse upstream) {
        return upstream.status().code() == HttpResponseStatus.UPGRADE_REQUIRED.code()
                ? upstream.headers().getAll(HttpHeaderNames.UPGRADE) : List.of();
    }

    /**
     * The upstream's status as relayed: its reason phrase replaced by the standard one when it holds a
     * control character, which RFC 9112 §4 does not allow there (HTAB aside); a NUL or an escape sequence
     * is not passed on to the client, as none in a header value is.
     */
    static HttpResponseStatus relayedStatus(HttpResponseStatus status) {
        String reason = status.reasonPhrase();
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F) {
                return HttpResponseStatus.valueOf(status.code());
            }
        }
        return status;
    }

    /** The fields {@link #keptOnRewrite} keeps, each for the status it says. */
    private static final AsciiString[] CHALLENGES = {HttpHeaderNames.WWW_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.ALLOW, HttpHeaderNames.CONTENT_RANGE};

    /**
     * The headers of an upstream error kept when the error is rewritten into an envelope. Those its status
     * needs to mean anything: a 401's {@code WWW-Authenticate} challenge (RFC 9110 §15.5.2 requires it), a
     * 407's {@code Proxy-Authenticate} (§15.5.8), a 405's {@code Allow} (§15.5.6), a 416's
     * {@code Content-Range}, the length a client's next range must keep within (§15.5.17), and a 426's
     * {@code Upgrade} (see {@link #requiredUpgrade}). And the upstream's CORS answer ({@code Access-Control-*}),
     * whatever the status: an application that answers CORS itself lets a page's script read its errors, and
     * without those lines the browser would hand the script a network error in place of the envelope (no
     * status, no reason). They say who may read the response, nothing of what the body was; a route with its
     * own {@code cors} drops them for its own (see {@link CorsHeaders#withoutUpstreamAnswer}).
     */
    static List<Map.Entry<String, String>> keptOnRewrite(HttpResponse upstream) {
        List<Map.Entry<String, String>> kept = new java.util.ArrayList<>(1);
        for (AsciiString name : CHALLENGES) {
            for (String value : upstream.headers().getAll(name)) {
                kept.add(Map.entry(name.toString(), value));
            }
        }
        for (String value : requiredUpgrade(upstream)) {
            kept.add(Map.entry(HttpHeaderNames.UPGRADE.toString(), value));
        }
        CorsHeaders.addUpstreamAnswer(upstream.headers(), kept);
        return kept;
    }

    /** A response that carries {@code Upgrade} names it in {@code Connection}, as every sender of it must (§7.8). */
    static void nameUpgradeInConnection(HttpHeaders out) {
        if (out.contains(HttpHeaderNames.UPGRADE)) {
            String connection = out.get(HttpHeaderNames.CONNECTION);
            out.set(HttpHeaderNames.CONNECTION, connection == null ? "upgrade" : connection + ", upgrade");
        }
    }

    /** An upstream's 1xx as sent to the client: its status and end-to-end headers, no body. */
    static FullHttpResponse interimResponse(HttpResponse in) {
        HttpHeaders out = new FieldList();
        // The upstream's request id stays: the proxy's goes back with the final response.
        ResponseFieldCopy copied = ResponseFieldCopy.copy(in.headers(), out, null);
        out.add(HttpHeaderNames.VIA, via(copied.via(), in.protocolVersion())); // each message forwarded (§7.6.3)
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, relayedStatus(in.status()), Unpooled.EMPTY_BUFFER, out,
                DefaultHttpHeadersFactory.trailersFactory().newHeaders());
    }

    /**
     * Whether a request field goes on upstream as the client sent it, as far as the hop goes: not hop-by-hop, not
     * framing, and not named in {@code connection} (the client's {@code Connection} lines; null for none).
     */
    static boolean crossesTheProxy(CharSequence name, ConnectionNames connection) {
        return !KnownFields.neverCopied(KnownFields.kindOf(name)) && (connection == null || !connection.lists(name));
    }

    /** Whether {@code name} is one of the comma-separated tokens of a Connection header. */
    static boolean namedIn(String connection, CharSequence name) {
        return ListElements.lists(connection, name, true);
    }

    /** {@code lines} (a new list for null) with {@code line} added: a list header's lines, set aside to be joined. */
    static List<String> withLine(List<String> lines, CharSequence line) {
        List<String> to = lines == null ? new java.util.ArrayList<>(2) : lines;
        to.add(line.toString());
        return to;
    }

    /**
     * {@code lines} of a list header as one list (RFC 9110 §5.3: a front proxy's X-Forwarded-For or Via line
     * after the client's is part of the list, not to be dropped), their empty elements at the ends dropped; null for
     * no line.
     */
    static String joined(List<String> lines) {
        if (lines.size() <= 1) {
            return lines.isEmpty() ? null : withoutEmptyEnds(lines.get(0));
        }
        StringBuilder joined = new StringBuilder();
        for (String line : lines) {
            String elements = withoutEmptyEnds(line);
            if (!elements.isEmpty()) {
                joined.append(joined.length() == 0 ? "" : ", ").append(elements);
            }
        }
        return joined.toString();
    }

    /**
     * {@code line} without empty list elements at its ends ({@code "1.0 b, "} is {@code "1.0 b"}), which RFC 9110
     * §5.6.1 lets a recipient drop: appended to as it came, it would read {@code "1.0 b,, 1.1 rampart"}.
     */
    private static String withoutEmptyEnds(String line) {
        int start = 0;
        int end = line.length();
        while (start < end && isListPadding(line.charAt(start))) {
            start++;
        }
        while (end > start && isListPadding(line.charAt(end - 1))) {
            end--;
        }
        return line.substring(start, end);
    }

    private static boolean isListPadding(char c) {
        return c == ',' || c == ' ' || c == '\t';
    }

    /** RFC 9110 §7.6.3: each hop adds the protocol version of the message it received, then its name. */
    private static String via(String prior, HttpVersion received) {
        String own = received.equals(HttpVersion.HTTP_1_0) ? VIA_VALUE_1_0 : VIA_VALUE;
        return prior == null || prior.isBlank() ? own : prior + ", " + own;
    }

    private static boolean methodExpectsBody(HttpRequest in) {
        String m = in.method().name();
        return m.equals("POST") || m.equals("PUT") || m.equals("PATCH");
    }
}
