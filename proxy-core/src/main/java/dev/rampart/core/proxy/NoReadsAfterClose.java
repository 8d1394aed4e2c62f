package dev.rampart.core.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;

/**
 * Drops the reads asked for on a client connection once its close has begun, and ends a read already asked for
 * before the close goes on. On epoll and NIO a close ends at once and a later read finds the channel inactive;
 * on io_uring a close waits for the operations the kernel still has in flight, and a read asked for meanwhile
 * is one more of them, which ends only when the client sends or leaves. The TLS handler asks for one right
 * after it closes a connection whose handshake failed (its read-complete sees no message passed on), so a
 * client that sent an SSLv2 hello or a port scan's garbage and then waited kept its connection, and its
 * descriptor, until it went away. It also asks for one just before it closes: a hello cut short inside its
 * fields (Java's TLS refuses it with no alert) or a record that fails after the handshake makes the handler
 * try to send what the engine has to say, and finding nothing to send it reads; the close that follows would
 * then wait for that read. So a close that finds a read asked for and not yet answered shuts the socket's
 * input first: that ends the read at once and sends the client nothing (no FIN, no reset: the TLS handler's
 * alert and close_notify still go out as before).
 *
 * <p>The first handler from the socket, so that every close (the TLS handler's, the exchange's, a drain's)
 * passes it before the socket does, and it sees each read's bytes before anyone asks for the next. A read
 * dropped here still counts as asked for in the handlers nearer the application (the flow-control handler
 * hands the decoder's last, cut-short head to it when the close completes); only the socket is not asked
 * again. One instance per connection.
 */
final class NoReadsAfterClose extends ChannelDuplexHandler {

    private boolean closing;
    /** A read was asked of the socket and no bytes have come from it since. */
    private boolean readInFlight;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readInFlight = false;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (closing) {
            ctx.close(promise);
            return;
        }
        closing = true;
        if (readInFlight && ctx.channel() instanceof DuplexChannel socket && ctx.channel().isActive()
                && !socket.isInputShutdown()) {
            // Whether the shutdown succeeds or not (a client that already reset), the close goes on.
            socket.shutdownInput().addListener(shut -> ctx.close(promise));
        } else {
            ctx.close(promise);
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!closing) {
            readInFlight = true;
            ctx.read();
        }
    }
}
