package dev.rampart.core.proxy;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The HTTP side of a WebSocket upgrade (RFC 6455 §4): which requests ask for one, the hop-by-hop headers
 * that must cross the proxy for it (and only for it), and the 101 the client is sent. Any other
 * {@code Upgrade} (h2c, say) is dropped like every hop-by-hop header, so the request goes on as plain HTTP.
 */
final class WebSocketUpgrade {

    private WebSocketUpgrade() {
    }

    /**
     * Whether {@code head} asks to switch to WebSocket: an HTTP/1.1 GET without a body whose
     * {@code Connection} names {@code upgrade} and whose {@code Upgrade} names {@code websocket} (tokens
     * compared case-insensitively, as RFC 9110 says).
     */
    static boolean requested(HttpRequest head) {
        if (!head.headers().contains(HttpHeaderNames.UPGRADE)) {
            return false; // nearly every request: decided without parsing a header value
        }
        if (!HttpMethod.GET.equals(head.method()) || !HttpVersion.HTTP_1_1.equals(head.protocolVersion())) {
            return false;
        }
        if (HttpUtil.isTransferEncodingChunked(head) || ClientHttpCodec.declaredLength(head, 0L) != 0) {
            return false;
        }
        HttpHeaders headers = head.headers();
        return hasToken(headers, HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                && hasToken(headers, HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }

    /** Puts back on the origin request the two hop-by-hop headers the upgrade needs. */
    static void forward(HttpRequest originTemplate) {
        originTemplate.headers()
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                .set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }

    /** Whether a 101 switches to the protocol that was asked for; anything else is a broken upstream. */
    static boolean switchesToWebSocket(HttpResponse response) {
        return response.status().code() == 101
                && hasToken(response.headers(), HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }

    /**
     * The 101 for the client: the upstream's end-to-end headers ({@code Sec-WebSocket-Accept},
     * {@code -Protocol}, {@code -Extensions}...) plus {@code Upgrade} and {@code Connection: upgrade}.
     */
    static HttpResponse switchingResponse(HttpResponse in, String requestIdHeader, String requestId) {
        HttpResponse head = ForwardedHeaders.clientResponse(in, requestIdHeader, requestId, false,
                ClientResponder.Keep.OPEN, null); // the connection becomes a tunnel: no idle hint
        HttpHeaders headers = head.headers();
        headers.remove(HttpHeaderNames.CONTENT_LENGTH); // a 101 has no body, whatever the upstream claimed
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, in.headers().getAll(HttpHeaderNames.UPGRADE)); // every line: one may be split
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, in.status(), headers);
    }

    private static boolean hasToken(HttpHeaders headers, CharSequence name, CharSequence token) {
        for (String value : headers.getAll(name)) {
            if (ForwardedHeaders.namedIn(value, token)) {
                return true;
            }
        }
        return false;
    }
}
