package dev.rampart.core.upstream.pool;

import io.netty.buffer.ByteBuf;

/**
 * A plain {@code http://} endpoint that answered a request with an HTTP/2 SETTINGS frame: a server that speaks
 * only HTTP/2 in cleartext (with prior knowledge: gRPC without TLS, Node's {@code http2.createServer}) sends its
 * connection preface (RFC 9113 §3.4) whatever it is sent, then gives up on the HTTP/1.1 request. Read as HTTP/1.1,
 * the frame failed with the decoder's words for its first mismatch ("Line Feed must be preceded by Carriage
 * Return"), which send the operator after the wrong problem; this says what was answered. The answer stays a
 * malformed response ({@link OriginHttpCodec} makes it), so the failure is classified as before, as {@link TlsAnswer}'s is.
 */
final class Http2Answer {

    /** What the endpoint answered, in words. */
    static final String DESCRIPTION = "the endpoint answered with an HTTP/2 SETTINGS frame, not HTTP/1.1: it speaks"
            + " only HTTP/2 (h2c, as gRPC without TLS does), which the proxy does not speak to endpoints";

    /** Length (3 bytes), type, flags, stream id (4 bytes). */
    private static final int FRAME_HEADER = 9;
    private static final int SETTINGS = 0x4;
    /** A SETTINGS frame's payload is a list of 6-byte settings. */
    private static final int SETTING_SIZE = 6;

    private Http2Answer() {
    }

    /**
     * Whether the bytes at {@code in}'s reader index begin the frame a server's connection preface is: SETTINGS,
     * without flags, on stream 0. No HTTP/1 status line begins with a zero byte. False while fewer than a frame
     * header's nine bytes are in.
     */
    static boolean begins(ByteBuf in) {
        if (in.readableBytes() < FRAME_HEADER) {
            return false;
        }
        int at = in.readerIndex();
        return in.getUnsignedMedium(at) % SETTING_SIZE == 0 && in.getUnsignedByte(at + 3) == SETTINGS
                && in.getUnsignedByte(at + 4) == 0 && in.getInt(at + 5) == 0;
    }

}
