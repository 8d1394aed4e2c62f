package dev.rampart.core.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;

/**
 * On a TLS listener, tells the request handler that bytes arrived while they are still encrypted. A record
 * the client leaves unfinished never reaches the decoder, so without this the request head's timer would
 * not start, and a client trickling or stalling a record would hold its connection for {@code idle-timeout}
 * instead of {@code request-header-timeout}: a slowloris that only TLS lets through. Only once the
 * handshake is done, which has a timeout of its own.
 */
final class EncryptedBytesArrival extends ChannelInboundHandlerAdapter {

    private final SslHandler tls;
    private final Runnable onBytes;

    EncryptedBytesArrival(SslHandler tls, Runnable onBytes) {
        this.tls = tls;
        this.onBytes = onBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tls.handshakeFuture().isSuccess()) {
            onBytes.run();
        }
        ctx.fireChannelRead(msg);
    }
}
