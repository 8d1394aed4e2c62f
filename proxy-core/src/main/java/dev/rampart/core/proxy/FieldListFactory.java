package dev.rampart.core.proxy;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * Gives Netty's HTTP decoders {@link FieldList}s instead of hashed maps for the heads and trailers they
 * decode, with the same checks of names and values as the maps Netty would have made: a field name that
 * is no token, a value with a bare CR or LF, a trailer that may not be one (RFC 9110 §6.5.1) are refused
 * as before, and the decoder answers them as before.
 */
public final class FieldListFactory implements HttpHeadersFactory {

    private final DefaultHttpHeadersFactory checks;
    private final int capacity;
    private final int maxLines;

    private FieldListFactory(DefaultHttpHeadersFactory checks, int capacity, int maxLines) {
        this.checks = checks;
        this.capacity = capacity;
        this.maxLines = maxLines;
    }

    /**
     * For request and response heads, with {@link DefaultHttpHeadersFactory#headersFactory()}'s checks: at most
     * {@code maxLines} fields, past which the head is refused (a client's with 431, an upstream's as a
     * malformed response) before another is kept. A limit of bytes bounds the lines only loosely: each line
     * costs the decoder a hundred bytes or more of heap however short it is, so 2,700 lines of {@code a: b}
     * fit in 16 KiB, and a thousand such heads left unfinished held 300 MB (Envoy's limit, 100 by default).
     */
    public static HttpHeadersFactory heads(int maxLines) {
        return new FieldListFactory(DefaultHttpHeadersFactory.headersFactory(), Math.min(16, maxLines), maxLines);
    }

    /**
     * For trailers, with {@link DefaultHttpHeadersFactory#trailersFactory()}'s checks and the same kind of limit
     * as {@link #heads}; no array until a trailer comes, since nearly every message has none and each
     * fixed-length body ends with an empty set.
     */
    public static HttpHeadersFactory trailers(int maxLines) {
        return new FieldListFactory(DefaultHttpHeadersFactory.trailersFactory(), 0, maxLines);
    }

    @Override
    public HttpHeaders newHeaders() {
        return new FieldList(capacity, maxLines, checks.getNameValidator(), checks.getValueValidator());
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
        return new FieldList(0, maxLines, checks.getNameValidator(), checks.getValueValidator());
    }
}
