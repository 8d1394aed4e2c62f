package dev.rampart.core.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;

/**
 * A client that closes its sending side ({@code shutdown(SHUT_WR)}, as {@code nc -N} does after the
 * request) is treated as gone, as before, but what was already answered leaves first, and a response already
 * under way is finished where the connection can still carry it (see {@link ClientRequestHandler#clientInputEnded}).
 * The proxy's own answers are flushed at the end of the event loop's batch ({@link FlushBatch}); a close on
 * end-of-input in the same batch would drop them. The first handler of the pipeline, so that it sees the event in every
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
            if (handler != null && handler.clientInputEnded(canStillSend(ctx, evt))) {
                return;
            }
            CloseAfterWrites.close(ctx.channel());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * Whether the connection can still carry a response after this end of the client's input. A TCP half-close
     * leaves the other direction open, and so does a TLS 1.3 close_notify; a close_notify in TLS 1.2 and before
     * is answered with the listener's own at once, and nothing is sent after it (RFC 5246 §7.2.1; Java's TLS
     * does so), so a response begun then is cut whatever the proxy does, and is logged as cut.
     */
    private static boolean canStillSend(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof SslCloseCompletionEvent)) {
            return true;
        }
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        return tls != null && "TLSv1.3".equals(tls.engine().getSession().getProtocol());
    }
}
