package dev.rampart.core.proxy;

import dev.rampart.core.errors.Reason;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.util.List;

/**
 * Refuses requests that are malformed or ambiguous before anything is forwarded: a request an upstream
 * could frame differently from the proxy is how smuggling starts, so ambiguity is an error, never a guess.
 */
final class RequestValidation {

    private RequestValidation() {
    }

    /** The reason to refuse {@code head} with, or null when it may proceed. */
    static Reason check(HttpRequest head, long maxRequestBody) {
        if (head.decoderResult().isFailure()) {
            Throwable cause = head.decoderResult().cause();
            if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongHttpLineException) {
                // The request line is part of the head: over max-initial-line is a head too large, like
                // over max-header-size (the catalog has no 414, and a client should learn which limit it hit).
                return Reason.REQUEST_HEADERS_TOO_LARGE;
            }
            return Reason.BAD_REQUEST;
        }
        HttpHeaders h = head.headers();
        if (head.protocolVersion() != HttpVersion.HTTP_1_1 && head.protocolVersion() != HttpVersion.HTTP_1_0) {
            return Reason.BAD_REQUEST;
        }
        List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        List<String> cl = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (!te.isEmpty() && !cl.isEmpty()) {
            return Reason.BAD_REQUEST;
        }
        if (!te.isEmpty() && (te.size() != 1 || !te.get(0).trim().equalsIgnoreCase("chunked"))) {
            return Reason.BAD_REQUEST; // only exactly "chunked" is framed unambiguously
        }
        if (cl.size() > 1) {
            return Reason.BAD_REQUEST;
        }
        if (cl.size() == 1) {
            String value = cl.get(0);
            if (value.isEmpty() || value.length() > 18 || !allDigits(value)) {
                return Reason.BAD_REQUEST;
            }
            if (Long.parseLong(value) > maxRequestBody) {
                return Reason.REQUEST_BODY_TOO_LARGE;
            }
        }
        if (h.getAll(HttpHeaderNames.HOST).size() > 1) {
            return Reason.BAD_REQUEST;
        }
        if (head.protocolVersion() == HttpVersion.HTTP_1_1 && !h.contains(HttpHeaderNames.HOST)) {
            return Reason.BAD_REQUEST; // RFC 9112 §3.2: a 1.1 request without Host is invalid
        }
        return null;
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
}
