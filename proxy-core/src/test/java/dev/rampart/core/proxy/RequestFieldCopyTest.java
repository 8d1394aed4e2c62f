package dev.rampart.core.proxy;

import dev.rampart.core.observe.TraceContext;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The upstream request head built in one pass ({@link RequestFieldCopy}) is the head the field-by-field rewrite
 * built before it (kept below as the reference): same lines, same order, for random client heads full of the
 * fields the proxy drops, replaces or extends, in any case and spelling, named in {@code Connection} or not.
 */
class RequestFieldCopyTest {

    private static final String[] NAMES = {"Host", "Expect", "Forwarded", "X-Forwarded-Port", "X-Forwarded-Prefix",
        "X-Forwarded-Client-Cert", "X-Forwarded-Ssl", "X-Forwarded-Scheme", "X-Original-URL", "X-Rewrite-URL", "Proxy",
        "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP", "X-Rampart-Attempt", "X-Forwarded-For", "Via",
        "traceparent", "tracestate", "Sec-WebSocket-Key1", "Sec-WebSocket-Key2", "Connection", "Keep-Alive",
        "Proxy-Connection", "TE", "Upgrade", "Proxy-Authorization", "Transfer-Encoding", "Content-Length",
        "X-Request-Id", "Request_Id", "Accept", "User-Agent", "Cookie", "X-Custom", "Date", "X_Forwarded_For",
        "X_Real_IP", "Content-Type", "Authorization"};
    private static final String[] VALUES = {"", "a", "1.1 front", " 10.0.0.1 , ", "10.0.0.2, 10.0.0.3", ",",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x=1", "close", "keep-alive, x-custom", " Keep-Alive",
        "x-forwarded-for", "Via, traceparent", "example.com:8080", "100-continue", "5"};

    @Test
    void theOnePassBuildsTheHeadTheFieldByFieldRewriteBuilt() {
        Random random = new Random(20261205);
        for (int round = 0; round < 20_000; round++) {
            HttpHeaders client = new DefaultHttpHeaders(false);
            int fields = random.nextInt(14);
            for (int i = 0; i < fields; i++) {
                client.add(spelled(NAMES[random.nextInt(NAMES.length)], random), VALUES[random.nextInt(VALUES.length)]);
            }
            HttpVersion version = random.nextInt(4) == 0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
            HttpMethod method = List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE)
                    .get(random.nextInt(4));
            HttpRequest in = new DefaultHttpRequest(version, method, "/x", client);
            String requestIdHeader = random.nextInt(5) == 0 ? "Request_Id" : "X-Request-Id";
            long contentLength = random.nextInt(3) - 1;
            String prefix = random.nextBoolean() ? "/api" : null;
            String certificate = random.nextInt(4) == 0 ? "Hash=abc" : null;

            HttpRequest built = ForwardedHeaders.originRequest(in, "/y", "up:80", requestIdHeader, "id-1",
                    "192.0.2.1", "10.0.0.9", "https", contentLength, prefix, certificate);
            HttpRequest reference = referenceOriginRequest(in, "/y", "up:80", requestIdHeader, "id-1",
                    "192.0.2.1", "10.0.0.9", "https", contentLength, prefix, certificate);
            assertEquals(lines(reference.headers(), client), lines(built.headers(), client), "client head " + client);
        }
    }

    /** The name in a random case, now and then with {@code _} for {@code -}. */
    private static String spelled(String name, Random random) {
        String cased = switch (random.nextInt(3)) {
            case 0 -> name.toLowerCase(Locale.ROOT);
            case 1 -> name.toUpperCase(Locale.ROOT);
            default -> name;
        };
        return random.nextInt(10) == 0 ? cased.replace('-', '_') : cased;
    }

    /** The lines in order; a traceparent the proxy made (random) as {@code <new>}. */
    private static List<String> lines(HttpHeaders headers, HttpHeaders client) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : headers.entries()) {
            boolean made = e.getKey().equalsIgnoreCase("traceparent")
                    && !client.getAll("traceparent").contains(e.getValue());
            lines.add(e.getKey() + ": " + (made ? "<new>" : e.getValue()));
        }
        return lines;
    }

    /** The head as the rewrite built it field by field: copy, remove, then set each of the proxy's fields. */
    private static HttpRequest referenceOriginRequest(HttpRequest in, String uri, String host, String requestIdHeader,
                                                      String requestId, String clientIp, String peerIp, String proto,
                                                      long contentLength, String removedPrefix,
                                                      String clientCertificate) {
        HttpHeaders source = in.headers();
        HttpHeaders out = new FieldList();
        if (FieldByFieldCopy.copyEndToEnd(source, out) || requestIdHeader.indexOf('_') >= 0) {
            UnderscoreAliases.dropFrom(out, requestIdHeader);
        }
        out.remove(HttpHeaderNames.HOST);
        out.remove(HttpHeaderNames.EXPECT);
        ForwardedHeaders.CLIENT_CLAIMS.forEach(out::remove);
        out.set(HttpHeaderNames.HOST, host);
        String priorFor = allLines(out, ForwardedHeaders.X_FORWARDED_FOR);
        out.set(ForwardedHeaders.X_FORWARDED_FOR, priorFor == null || priorFor.isBlank() ? peerIp
                : priorFor + ", " + peerIp);
        out.set(ForwardedHeaders.X_FORWARDED_PROTO, proto);
        out.set(ForwardedHeaders.X_REAL_IP, clientIp);
        if (removedPrefix != null) {
            out.set(ForwardedHeaders.X_FORWARDED_PREFIX, removedPrefix);
        }
        if (clientCertificate != null) {
            out.set(ForwardedHeaders.X_FORWARDED_CLIENT_CERT, clientCertificate);
        }
        String clientHost = source.get(HttpHeaderNames.HOST);
        if (clientHost != null) {
            out.set(ForwardedHeaders.X_FORWARDED_HOST, clientHost);
        } else {
            out.remove(ForwardedHeaders.X_FORWARDED_HOST);
        }
        String priorVia = allLines(out, HttpHeaderNames.VIA);
        String own = in.protocolVersion().equals(HttpVersion.HTTP_1_0) ? "1.0 rampart" : "1.1 rampart";
        out.set(HttpHeaderNames.VIA, priorVia == null || priorVia.isBlank() ? own : priorVia + ", " + own);
        out.set(requestIdHeader, requestId);
        List<String> traces = out.getAll(ForwardedHeaders.TRACEPARENT);
        String incomingTrace = traces.size() == 1 ? traces.get(0) : null;
        String trace = TraceContext.ensureTraceparent(incomingTrace);
        if (!trace.equals(incomingTrace)) {
            out.set(ForwardedHeaders.TRACEPARENT, trace);
            out.remove(ForwardedHeaders.TRACESTATE);
        }
        String m = in.method().name();
        if (contentLength < 0) {
            out.set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        } else if (contentLength > 0 || m.equals("POST") || m.equals("PUT") || m.equals("PATCH")
                || out.contains(HttpHeaderNames.SEC_WEBSOCKET_KEY1) && out.contains(HttpHeaderNames.SEC_WEBSOCKET_KEY2)) {
            out.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        out.set(ForwardedHeaders.X_RAMPART_ATTEMPT, "1");
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), uri, out);
    }

    private static String allLines(HttpHeaders headers, CharSequence name) {
        return ForwardedHeaders.joined(headers.getAll(name));
    }
}
