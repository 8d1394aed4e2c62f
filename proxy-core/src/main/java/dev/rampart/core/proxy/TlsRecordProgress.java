package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;

/**
 * On a TLS listener, follows the client's record framing ahead of the TLS handler and, after each read once
 * the handshake is done, tells the request handler whether a record is left unfinished. No byte of an
 * unfinished record reaches the HTTP decoder, so without this a client that trickles or stalls a record
 * would start no request-head timer and be held for {@code idle-timeout}: a slowloris only TLS lets through.
 * A read that ends on a record boundary says so too, so that a record with no request in it (a TLS 1.3
 * KeyUpdate, an empty line) leaves a kept-alive connection idle, not waiting for a head.
 *
 * <p>Only the 5-byte record headers are read (content type, version, length); the rest is skipped by its
 * length. Bytes that do not frame as TLS records (an SSLv2-compatible hello, plain HTTP the port refuses)
 * stop the following for good: the TLS handler fails those itself, once it has the five bytes of a header to
 * look at. Fewer than five such bytes after the handshake (a client's stray byte after its request) it waits on,
 * so from then on every read counts as ending inside a record: the head's timer, not the idle one, bounds it,
 * whether they come in a read of their own or behind the records that end the handshake or a request.
 */
final class TlsRecordProgress extends ChannelInboundHandlerAdapter {

    private static final int FIRST_CONTENT_TYPE = 20; // change_cipher_spec
    private static final int LAST_CONTENT_TYPE = 24; // heartbeat

    private final SslHandler tls;
    private final AwaitedHead head;
    /** How many bytes of the current record's header have been read; 0 between records. */
    private int headerRead;
    private int length;
    private int bodyLeft;
    private boolean lost;
    /** Lost after the handshake: what follows is no record the TLS handler will ever finish. */
    private boolean lostAfterHandshake;

    TlsRecordProgress(SslHandler tls, AwaitedHead head) {
        this.tls = tls;
        this.head = head;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        boolean lostBefore = lost;
        if (!lost && msg instanceof ByteBuf bytes) {
            follow(bytes); // before passing it on: the TLS handler releases it
        }
        ctx.fireChannelRead(msg);
        boolean handshaken = tls.handshakeFuture().isSuccess();
        // Asked after the TLS handler has read this read's records: the bytes that stopped framing follow them
        // all, so if those records finished the handshake (the client's Finished, with a request and the bytes
        // behind it, in one read) the bytes came after it as surely as in a later read.
        if (lost && !lostBefore && handshaken) {
            lostAfterHandshake = true;
        }
        if (lostAfterHandshake || (!lost && handshaken)) {
            if (unfinished()) {
                head.unfinishedTlsRecord();
            } else {
                head.tlsRecordsFinished();
            }
        }
    }

    /**
     * Whether the last read ended inside a record (its header or its body), or the bytes since the handshake
     * stopped framing as records: either way the TLS handler holds bytes that no head timer would otherwise
     * bound. Asked again when a request is done, as the bytes may have come in the read that brought its end.
     */
    boolean unfinished() {
        return lostAfterHandshake || (!lost && (headerRead > 0 || bodyLeft > 0));
    }

    private void follow(ByteBuf bytes) {
        int at = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (at < end) {
            if (bodyLeft > 0) {
                int skipped = Math.min(bodyLeft, end - at);
                bodyLeft -= skipped;
                at += skipped;
                continue;
            }
            int b = bytes.getUnsignedByte(at++);
            switch (headerRead++) {
                case 0 -> {
                    if (b < FIRST_CONTENT_TYPE || b > LAST_CONTENT_TYPE) {
                        lost = true;
                        return;
                    }
                }
                case 3 -> length = b << 8;
                case 4 -> { // the header's last byte
                    bodyLeft = length | b;
                    headerRead = 0;
                }
                default -> { } // the protocol version's two bytes
            }
        }
    }
}
