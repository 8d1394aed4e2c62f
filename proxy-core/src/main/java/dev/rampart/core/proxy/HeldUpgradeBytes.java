package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client sent behind a WebSocket upgrade request before it was answered, kept in order for the
 * tunnel or the decoder (see {@link RequestHeadGuard}), and bounded: the connection keeps reading meanwhile
 * (that is how a client that goes away is noticed), so a client that sends more than {@link #MAX_BYTES} is
 * refused, and what else it sends before the answer is dropped.
 */
final class HeldUpgradeBytes {

    private static final Logger log = LoggerFactory.getLogger(HeldUpgradeBytes.class);

    /** The most a client may send behind an upgrade request before it is answered. */
    static final int MAX_BYTES = 64 * 1024;

    private CompositeByteBuf held;
    /** More than may be held came: what else arrives before the answer is dropped. */
    private boolean overflowed;
    /** Told when more than may be held came; null: the connection is closed instead. */
    private Runnable tooMuch;

    /** {@code refuse} runs, instead of the connection being closed, when a client sends too much. */
    void whenTooMuch(Runnable refuse) {
        this.tooMuch = refuse;
    }

    /** Keeps {@code buf}, whose reference it takes. */
    void add(ChannelHandlerContext ctx, ByteBuf buf) {
        if (overflowed) {
            buf.release();
            return;
        }
        if (held == null) {
            held = ctx.alloc().compositeBuffer();
        }
        held.addComponent(true, buf);
        if (held.readableBytes() > MAX_BYTES) {
            log.debug("client {} sent more than {} bytes behind an unanswered upgrade request: refused",
                    ProxyProtocolHeader.clientOf(ctx.channel()), MAX_BYTES);
            release();
            overflowed = true;
            if (tooMuch != null) {
                tooMuch.run();
            } else {
                ctx.close();
            }
        }
    }

    /** Whether what is held has a byte other than CR or LF: empty lines start no request. */
    boolean holdsMoreThanLineEnds() {
        return held != null && held.forEachByte(b -> b == '\r' || b == '\n') >= 0;
    }

    boolean overflowed() {
        return overflowed;
    }

    /** What was held, for its new owner; null when nothing. Holding starts afresh for the next upgrade. */
    ByteBuf take() {
        ByteBuf early = held;
        held = null;
        overflowed = false;
        return early;
    }

    void release() {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
