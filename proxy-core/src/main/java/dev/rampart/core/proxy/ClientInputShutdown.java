package dev.rampart.core.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * A client that closes its sending side ({@code shutdown(SHUT_WR)}, as {@code nc -N} does after the
 * request) is treated as gone, as before, but what was already answered leaves first. The proxy's own
 * answers are flushed at the end of the event loop's batch ({@link FlushBatch}); a close on end-of-input in
 * the same batch would drop them. The first handler of the pipeline, so that it sees the event in every
 * state of the connection (HTTP or tunnel). Needs {@code ALLOW_HALF_CLOSURE}, which turns end-of-input
 * from a close into this event.
 */
@ChannelHandler.Sharable
final class ClientInputShutdown extends ChannelInboundHandlerAdapter {

    static final ClientInputShutdown INSTANCE = new ClientInputShutdown();

    private ClientInputShutdown() {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // From the tail, through TLS, which holds plaintext until a flush.
            ctx.channel().flush();
            ctx.channel().close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
