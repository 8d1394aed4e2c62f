package dev.rampart.core.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A TLS client on Netty, for the tests of a client's close_notify: it can send one and leave TCP open both
 * ways, where the JDK's client half-closes TCP too. What the proxy sends is kept as text.
 */
final class CloseNotifyClient implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final StringBuilder received = new StringBuilder();
    private final Channel channel;

    /**
     * Connects to the TLS listener on {@code port}, trusting {@code certChain}, and completes the handshake;
     * {@code onRead} is told of each read, on the client's event loop, after its text was kept.
     */
    CloseNotifyClient(Path certChain, int port, Consumer<CloseNotifyClient> onRead) throws Exception {
        this(certChain, port, null, onRead);
    }

    /** As {@link #CloseNotifyClient(Path, int, Consumer)}, speaking only {@code protocol} ({@code TLSv1.2}, say). */
    CloseNotifyClient(Path certChain, int port, String protocol, Consumer<CloseNotifyClient> onRead) throws Exception {
        SslContextBuilder builder = SslContextBuilder.forClient().trustManager(certChain.toFile());
        SslContext trusting = (protocol == null ? builder : builder.protocols(protocol)).build();
        try {
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(trusting.newHandler(ch.alloc(), "localhost", port),
                                    new SimpleChannelInboundHandler<ByteBuf>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                            synchronized (received) {
                                                received.append(msg.toString(StandardCharsets.ISO_8859_1));
                                            }
                                            onRead.accept(CloseNotifyClient.this);
                                        }
                                    });
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            channel.pipeline().get(SslHandler.class).handshakeFuture().sync();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Sends {@code text} and waits until it is written. */
    void send(String text) throws InterruptedException {
        channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII)).sync();
    }

    /** Sends close_notify; TCP stays open both ways. */
    void closeOutbound() {
        channel.pipeline().get(SslHandler.class).closeOutbound();
    }

    /** Whether the proxy closed the connection within {@code seconds}. */
    boolean closedWithin(long seconds) throws InterruptedException {
        return channel.closeFuture().await(seconds, TimeUnit.SECONDS);
    }

    /** What the proxy sent so far, decrypted. */
    String received() {
        synchronized (received) {
            return received.toString();
        }
    }

    /**
     * Closes the connection before stopping the loop: a loop stopped with no quiet period can end without closing
     * its channels, and the TLS handler's buffers would then be reported as leaks.
     */
    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
