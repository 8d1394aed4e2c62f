package dev.rampart.core.proxy;

import dev.rampart.core.config.ServerConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection without losing the answer it was just sent. A socket closed while bytes
 * from the client wait unread in it is reset, not closed, and the reset throws away whatever of the
 * answer the kernel has not sent yet (RFC 9112 §9.6). That is the case whenever the proxy stops reading a
 * request it has answered: a body it will not take (over {@code max-request-body}, or still coming when an
 * upstream answered early), a request pipelined behind one that closes the connection. A connection whose
 * request was read whole, with nothing behind it, closes at once.
 *
 * <p>As nginx's lingering close: once everything written has gone to the socket, the proxy's side is shut
 * down (the client sees the end of the answer), and what still arrives is read and dropped until the
 * client closes, until nothing has arrived for {@code lingering-timeout} (nor left for a client still
 * reading), or at the latest after {@code lingering-time}. It goes first in the pipeline, so no byte it
 * drops reaches a decoder; on a TLS listener it drops the records undecrypted, after the TLS close_notify
 * went out.
 *
 * <p>A WebSocket tunnel's upstream connection is closed the same way when the client ended the tunnel: the
 * upstream may still be sending then, and the client's last bytes must not be reset away on their way to it.
 */
final class LingeringClose extends ChannelInboundHandlerAdapter {

    static final String NAME = "lingering-close";

    private final long quietNanos;
    private final long maxNanos;
    private LazyDeadline quiet;
    private ScheduledFuture<?> cap;

    private LingeringClose(long quietNanos, long maxNanos) {
        this.quietNanos = quietNanos;
        this.maxNanos = maxNanos;
    }

    /**
     * Closes {@code ch} once the client is done sending, or now: when nothing it sent can be left unread
     * ({@code unreadBytes} false: the request was read whole and nothing of another came behind it; as
     * nginx, which lingers only then), or with {@code lingering-timeout = 0s}.
     */
    static void close(Channel ch, ServerConfig server, boolean unreadBytes) {
        long quiet = server.lingeringTimeout().toNanos();
        if (!unreadBytes || quiet == 0 || !ch.isActive() || ch.pipeline().get(NAME) != null) {
            ch.close();
            return;
        }
        ChannelPipeline p = ch.pipeline();
        if (p.get(ClientChannelInitializer.FLOW_CONTROL) != null) {
            // Requests decoded in an earlier read may still wait there: none of them is served now.
            p.addAfter(ClientChannelInitializer.FLOW_CONTROL, NAME + "-decoded", DROP_DECODED);
        }
        p.addFirst(NAME, new LingeringClose(quiet, server.lingeringTime().toNanos()));
    }

    /**
     * {@link #close}, with {@code afterQueued} once what is queued for the client has been written: a client
     * still taking it, however slowly, is waited for; one that takes nothing for {@code idle-timeout} is not
     * (see {@link PeerDrain}).
     */
    static void close(Channel ch, ServerConfig server, boolean unreadBytes, boolean afterQueued, String requestId) {
        if (afterQueued) {
            PeerDrain.thenRun(ch, server.idleTimeout().toNanos(), () -> close(ch, server, unreadBytes), requestId);
        } else {
            close(ch, server, unreadBytes);
        }
    }

    /** Drops what the decoders still hand on, bytes they held before the lingering began. */
    private static final ChannelInboundHandlerAdapter DROP_DECODED = new DropDecoded();

    @ChannelHandler.Sharable
    private static final class DropDecoded extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        quiet = new LazyDeadline(ctx.executor(), () -> onQuiet(ctx));
        quiet.arm(quietNanos);
        cap = ctx.executor().schedule((Runnable) ctx::close, maxNanos, TimeUnit.NANOSECONDS);
        Channel ch = ctx.channel();
        ch.config().setAutoRead(true);
        ch.flush(); // through TLS, which holds what it was given until a flush
        // Shutting the output down fails every write still queued: wait for them. Writes leave in order,
        // so this empty one is written once everything before it is.
        ChannelFuture written = ctx.writeAndFlush(Unpooled.EMPTY_BUFFER);
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        ChannelFuture done = tls == null ? written : tls.closeOutbound();
        done.addListener(f -> {
            if (f.isSuccess() && ch.isActive()) {
                ((DuplexChannel) ch).shutdownOutput();
            } else {
                ctx.close();
            }
        });
    }

    /**
     * Nothing arrived for {@code lingering-timeout}. A client still taking the answer (the kernel sent it
     * data within that time: a slow reader with megabytes of a tunnel's end queued, whose next heartbeat
     * would otherwise reset the connection) is waited for, up to {@code lingering-time}.
     */
    private void onQuiet(ChannelHandlerContext ctx) {
        long sinceSent = KernelTcpInfo.nanosSinceDataSent(ctx.channel());
        if (sinceSent < quietNanos) {
            quiet.arm(quietNanos - sinceSent);
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
        quiet.arm(quietNanos);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            ctx.close(); // the client is done: nothing of the answer is left to lose
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a reset or a broken pipe: the client left; what it was sent is all it gets
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        quiet.cancel();
        cap.cancel(false);
        ctx.fireChannelInactive();
    }
}
