package dev.rampart.core.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket server on a loopback port, built from Netty's own server handshaker: text and binary
 * messages on {@value #PATH} are echoed back. It records the head of every HTTP request it sees (upgrade
 * or not), answers plain requests elsewhere with 200, can be told to refuse upgrades with 403, and can
 * close its WebSocket connections from its side.
 */
public final class WebSocketEchoUpstream implements AutoCloseable {

    public static final String PATH = "/ws";

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup sockets = new DefaultChannelGroup("ws-upstream", GlobalEventExecutor.INSTANCE);
    private final List<Map<String, String>> heads = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final AtomicInteger connectionsClosed = new AtomicInteger();
    private final Channel server;
    private volatile int refuseUpgradesWith;
    private volatile long delayUpgradesMillis;

    private WebSocketEchoUpstream() {
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(PATH)
                .maxFramePayloadLength(16 * 1024 * 1024)
                .checkStartsWith(false)
                .handleCloseFrames(true)
                .build();
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Heap buffers of its own: echoes it queues for a proxy that stopped reading never count as
                // the proxy's pooled direct memory, which backpressure tests measure.
                .childOption(ChannelOption.ALLOCATOR, new io.netty.buffer.UnpooledByteBufAllocator(false))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connectionsAccepted.incrementAndGet();
                        sockets.add(ch);
                        ch.closeFuture().addListener(f -> connectionsClosed.incrementAndGet());
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new HeadRecorder(), new WebSocketServerProtocolHandler(ws), new Echo());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    public static WebSocketEchoUpstream start() {
        return new WebSocketEchoUpstream();
    }

    /** An upgrade request for {@link #PATH}, as a raw client writes it (RFC 6455 §4.1's sample key). */
    public static String upgradeRequest() {
        return "GET " + PATH + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    /** The {@code Sec-WebSocket-Accept} a server answers {@code key} with (RFC 6455 §4.2.2). */
    public static String acceptFor(String key) {
        try {
            byte[] sha1 = java.security.MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return java.util.Base64.getEncoder().encodeToString(sha1);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A final text frame as a client sends it: masked (RFC 6455 §5.3), payload under 126 bytes. */
    public static byte[] maskedTextFrame(String text) {
        byte[] mask = {1, 2, 3, 4};
        byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }

    public String authority() {
        return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The heads of every HTTP request seen, header names in lower case, plus {@code :method} and {@code :path}. */
    public List<Map<String, String>> heads() {
        return heads;
    }

    /** From now on upgrade requests are answered with {@code status} (0: accept them again). */
    public void refuseUpgradesWith(int status) {
        refuseUpgradesWith = status;
    }

    /** From now on the answer to an upgrade request (101 or refusal) comes {@code millis} late. */
    public void delayUpgradesBy(long millis) {
        delayUpgradesMillis = millis;
    }

    public int connectionsAccepted() {
        return connectionsAccepted.get();
    }

    public int connectionsClosed() {
        return connectionsClosed.get();
    }

    /** Sends a close frame with {@code code} on every open connection, then closes it. */
    public void closeAllWith(int code, String reason) {
        sockets.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(f -> sockets.close());
    }

    @Override
    public void close() {
        sockets.close().awaitUninterruptibly();
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private final class HeadRecorder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpRequest request)) {
                ctx.fireChannelRead(msg);
                return;
            }
            Map<String, String> head = new LinkedHashMap<>();
            head.put(":method", request.method().name());
            head.put(":path", request.uri());
            request.headers().forEach(h -> head.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(),
                    (a, b) -> a + ", " + b));
            heads.add(head);
            boolean upgrade = request.headers().contains(HttpHeaderNames.UPGRADE);
            long delay = delayUpgradesMillis;
            if (upgrade && delay > 0) {
                ctx.executor().schedule(() -> answer(ctx, request, true), delay, java.util.concurrent.TimeUnit.MILLISECONDS);
            } else {
                answer(ctx, request, upgrade);
            }
        }

        private void answer(ChannelHandlerContext ctx, FullHttpRequest request, boolean upgrade) {
            if (upgrade && refuseUpgradesWith != 0) {
                respond(ctx, request, refuseUpgradesWith, "upgrade refused");
            } else if (!request.uri().equals(PATH)) {
                respond(ctx, request, 200, "plain");
            } else {
                ctx.fireChannelRead(request);
            }
        }

        private void respond(ChannelHandlerContext ctx, FullHttpRequest request, int status, String text) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            request.release();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
            HttpUtil.setContentLength(response, response.content().readableBytes());
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** Echoes data frames; the protocol handler has already answered pings and close frames. */
    private static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
                    || frame instanceof io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame) {
                ctx.writeAndFlush(frame.retain());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
