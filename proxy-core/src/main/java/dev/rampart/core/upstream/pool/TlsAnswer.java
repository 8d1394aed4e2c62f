package dev.rampart.core.upstream.pool;

import io.netty.buffer.ByteBuf;

/**
 * A plain {@code http://} endpoint that answered a request with a TLS record: a TLS server (the endpoint should
 * have been {@code https://}) refusing what it took for a broken handshake with an alert, as Java and Go servers
 * do. Read as HTTP, those bytes failed with the decoder's words for its first mismatch ("Line Feed must be
 * preceded by Carriage Return"), which send the operator after the wrong problem; this says what was answered.
 * The answer stays a malformed response ({@link OriginHttpCodec} makes it), so the failure is classified as before.
 */
final class TlsAnswer {

    /** ChangeCipherSpec, Alert, Handshake and ApplicationData: the record types a TLS peer sends first. */
    private static final int FIRST_TYPE = 20;
    private static final int LAST_TYPE = 23;
    private static final int ALERT = 21;
    /** SSL 3.0 and TLS 1.0 to 1.3 all write 3 as the record version's major byte, and 0 to 4 as its minor. */
    private static final int MAJOR = 3;
    private static final int LAST_MINOR = 4;

    private TlsAnswer() {
    }

    /** Whether the bytes at {@code in}'s reader index begin a TLS record; false while fewer than three are in. */
    static boolean begins(ByteBuf in) {
        if (in.readableBytes() < 3) {
            return false;
        }
        int at = in.readerIndex();
        int type = in.getUnsignedByte(at);
        int minor = in.getUnsignedByte(at + 2);
        return type >= FIRST_TYPE && type <= LAST_TYPE && in.getUnsignedByte(at + 1) == MAJOR && minor <= LAST_MINOR;
    }

    /** What the endpoint answered, in words, for the bytes at {@code in}'s reader index that {@link #begins}. */
    static String describe(ByteBuf in) {
        boolean alert = in.getUnsignedByte(in.readerIndex()) == ALERT;
        return "the endpoint answered with a TLS " + (alert ? "alert" : "record")
                + ", not HTTP: it speaks TLS (an https:// endpoint?)";
    }
}
