package dev.rampart.core.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;

/**
 * A client that closes its sending side ({@code shutdown(SHUT_WR)}, as {@code nc -N} does after the
 * request) is treated as gone, as before, but what was already answered leaves first, and a response already
 * under way is finished (see {@link ClientRequestHandler#clientInputEnded}). The proxy's own
 * answers are flushed at the end of the event loop's batch ({@link FlushBatch}); a close on end-of-input in
 * the same batch would drop them. The first handler of the pipeline, so that it sees the event in every
 * state of the connection (HTTP or tunnel). Needs {@code ALLOW_HALF_CLOSURE}, which turns end-of-input
 * from a close into this event. On a TLS listener it stands after the TLS handler as well, where a
 * client's close_notify (the end of its input over TLS) arrives as an event of its own.
 */
@ChannelHandler.Sharable
final class ClientInputShutdown extends ChannelInboundHandlerAdapter {

    static final ClientInputShutdown INSTANCE = new ClientInputShutdown();

    private ClientInputShutdown() {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent) {
            // A TLS close_notify is the same end of the client's input, said one layer up.
            ClientRequestHandler handler = ctx.pipeline().get(ClientRequestHandler.class);
            // Gone from now on, not once the close completes: on io_uring that waits for the reads and writes in
            // flight, and a response written meanwhile was counted delivered though the client had the
            // connection's end already. A response already under way is the exception: the handler finishes it
            // and closes the connection after it.
            if (handler != null && handler.clientInputEnded()) {
                return;
            }
            CloseAfterWrites.close(ctx.channel());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
