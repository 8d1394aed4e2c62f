package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Follows the request body the decoder is reading, so that {@link RequestHeadGuard} knows where it ends in
 * a read: the bytes behind that end are the next request's head, which is scanned like any other.
 * A fixed-length body ends after its declared length; a chunked one where its framing says so. A
 * body's length is looked up only for a read that carries body bytes, not for every request.
 */
final class RequestBodyEnd {

    /** The request whose body the decoder is reading, null between bodies. */
    private HttpRequest bodyOf;
    /** Body bytes of {@link #bodyOf} the decoder has produced so far. */
    private long received;
    /** Where a chunked body ends, followed from its first byte; {@link #chunksOf} is the request it follows. */
    private final ChunkedBodyEnd chunks = new ChunkedBodyEnd();
    private HttpRequest chunksOf;

    /** The decoder produced {@code request}'s head: its body, if any, comes next. */
    void started(HttpRequest request) {
        bodyOf = request;
        received = 0;
    }

    /** The decoder produced {@code bytes} of the body. */
    void received(int bytes) {
        received += bytes;
    }

    /** The decoder produced the body's last part. */
    void ended() {
        bodyOf = null;
        chunksOf = null;
    }

    /**
     * The index in {@code buf} past the body's last byte when the body ends in {@code [start, end)}, or -1:
     * it goes on past {@code end}, or where it ends cannot be told (no body being read, no valid length, a
     * chunked framing that could not be followed).
     */
    int endIn(ByteBuf buf, int start, int end) {
        long remaining = fixedLengthRemaining();
        if (remaining < 0) {
            return chunkedEnd(buf, start, end);
        }
        return remaining > 0 && remaining < end - start ? start + (int) remaining : -1;
    }

    private int chunkedEnd(ByteBuf buf, int start, int end) {
        HttpRequest request = bodyOf;
        if (request == null) {
            return -1;
        }
        if (chunksOf != request) {
            if (!request.decoderResult().isSuccess() || !HttpUtil.isTransferEncodingChunked(request)) {
                return -1;
            }
            chunksOf = request; // the first read of its body: the framing is followed from here
            chunks.start();
        }
        return chunks.endIn(buf, start, end);
    }

    /**
     * Bytes of the fixed-length body being read still to come, or -1 when unknown (no body being read, a
     * chunked one, or no valid Content-Length).
     */
    private long fixedLengthRemaining() {
        HttpRequest request = bodyOf;
        if (request == null || !request.decoderResult().isSuccess() || HttpUtil.isTransferEncodingChunked(request)) {
            return -1;
        }
        try {
            long length = ClientHttpCodec.declaredLength(request, -1L);
            return length < 0 ? -1 : length - received;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
