package dev.rampart.core.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Drops the reads asked for on a client connection once its close has begun. On epoll and NIO a close ends at
 * once and a later read finds the channel inactive; on io_uring a close waits for the operations the kernel
 * still has in flight, and a read asked for meanwhile is one more of them, which ends only when the client
 * sends or leaves. The TLS handler asks for one right after it closes a connection whose handshake failed (its
 * read-complete sees no message passed on), so a client that sent an SSLv2 hello or a port scan's garbage and
 * then waited kept its connection, and its descriptor, until it went away.
 *
 * <p>The first outbound handler from the socket, so that every close (the TLS handler's, the exchange's, a
 * drain's) passes it before the socket does. A read dropped here still counts as asked for in the handlers
 * nearer the application (the flow-control handler hands the decoder's last, cut-short head to it when the
 * close completes); only the socket is not asked again. One instance per connection.
 */
final class NoReadsAfterClose extends ChannelOutboundHandlerAdapter {

    private boolean closing;

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closing = true;
        ctx.close(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!closing) {
            ctx.read();
        }
    }
}
