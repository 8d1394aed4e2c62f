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

    /** For request and response heads: {@link DefaultHttpHeadersFactory#headersFactory()}'s checks. */
    public static final HttpHeadersFactory HEADS = new FieldListFactory(DefaultHttpHeadersFactory.headersFactory(), 16);

    /**
     * For trailers: {@link DefaultHttpHeadersFactory#trailersFactory()}'s checks, and no array until a
     * trailer comes, since nearly every message has none and each fixed-length body ends with an empty set.
     */
    public static final HttpHeadersFactory TRAILERS = new FieldListFactory(DefaultHttpHeadersFactory.trailersFactory(), 0);

    private final DefaultHttpHeadersFactory checks;
    private final int capacity;

    private FieldListFactory(DefaultHttpHeadersFactory checks, int capacity) {
        this.checks = checks;
        this.capacity = capacity;
    }

    @Override
    public HttpHeaders newHeaders() {
        return new FieldList(capacity, checks.getNameValidator(), checks.getValueValidator());
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
        return new FieldList(0, checks.getNameValidator(), checks.getValueValidator());
    }
}
