package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;

import java.util.List;

/**
 * Refuses upstream response heads the decoder accepted but the proxy cannot relay faithfully. The codec
 * already rejects both Content-Length and Transfer-Encoding, differing lengths and oversized heads; what
 * is left is a version that is not HTTP/1.x, a status outside 100–599, and a transfer coding other than
 * chunked, whose body the proxy would pass on with a framing the client cannot undo.
 */
final class ResponseValidation {

    private ResponseValidation() {
    }

    /** Why {@code head} cannot be relayed, or null when it can. */
    static String problem(HttpResponse head) {
        HttpVersion version = head.protocolVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
            return "response version " + version;
        }
        // The decoder takes any number (099, 20, 1000): a status-code is three digits (RFC 9112 §4), and one
        // outside 100–599 is invalid (RFC 9110 §15); relayed, the client would get a status line it cannot read.
        int status = head.status().code();
        if (status < 100 || status > 599) {
            return "response status " + status;
        }
        if (head.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            List<String> te = head.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (!RequestValidation.onlyChunked(te)) {
                return "response transfer coding " + te;
            }
        }
        return null;
    }
}
