package dev.rampart.core.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 server on a loopback port that answers as its {@link UpstreamBehavior} says and
 * records every request it receives: a stand-in for a service that may be healthy, slow, or broken.
 */
public final class FakeUpstream implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final List<String> serverNames = new CopyOnWriteArrayList<>();
    private final AtomicLong connectionIds = new AtomicLong();
    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final io.netty.channel.group.ChannelGroup children =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private final Channel server;
    private volatile UpstreamBehavior behavior;

    private FakeUpstream(UpstreamBehavior behavior) {
        this(behavior, null);
    }

    private FakeUpstream(UpstreamBehavior behavior, io.netty.handler.ssl.SslContext tls) {
        this.behavior = behavior;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connectionsAccepted.incrementAndGet();
                        children.add(ch);
                        if (tls != null) {
                            io.netty.handler.ssl.SslHandler ssl = tls.newHandler(ch.alloc());
                            ssl.handshakeFuture().addListener(done -> {
                                if (done.isSuccess()) {
                                    recordServerNames(ssl.engine().getSession());
                                }
                            });
                            ch.pipeline().addLast(ssl);
                        }
                        long id = connectionIds.incrementAndGet();
                        ch.pipeline().addLast(new HttpServerCodec(), new FramingRecorder(),
                                new HttpObjectAggregator(64 * 1024 * 1024), new Handler(id));
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    public static FakeUpstream start(UpstreamBehavior behavior) {
        return new FakeUpstream(behavior);
    }

    /** A fake that speaks HTTPS with the given server context (a handshake failure closes the connection). */
    public static FakeUpstream startTls(UpstreamBehavior behavior, io.netty.handler.ssl.SslContext serverContext) {
        return new FakeUpstream(behavior, serverContext);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String authority() {
        return "127.0.0.1:" + port();
    }

    public void behave(UpstreamBehavior next) {
        this.behavior = next;
    }

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /**
     * For each TLS handshake completed, in order, the host name the client sent as its server name
     * indication, or "" when it sent none.
     */
    public List<String> serverNamesIndicated() {
        return List.copyOf(serverNames);
    }

    private void recordServerNames(javax.net.ssl.SSLSession session) {
        String name = "";
        if (session instanceof javax.net.ssl.ExtendedSSLSession extended) {
            for (javax.net.ssl.SNIServerName requested : extended.getRequestedServerNames()) {
                if (requested instanceof javax.net.ssl.SNIHostName host) {
                    name = host.getAsciiName();
                }
            }
        }
        serverNames.add(name);
    }

    public int connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /** Connections accepted and not closed yet (by either side). */
    public int connectionsOpen() {
        return children.size();
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Stops listening and closes every connection; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.close().syncUninterruptibly();
        // Close connections while the loop still runs, so their handlers see channelInactive and release
        // half-aggregated requests; channels closed by the loop's own shutdown may never get that far.
        children.close().awaitUninterruptibly(5, java.util.concurrent.TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * A port on which nothing listens: connecting to it is refused. It is taken from below the
     * kernel's ephemeral range, never from it: a port from that range, once freed, can be handed to
     * the next listener bound to port 0 (the proxy under test, which then forwards to itself), or
     * be chosen as the source port of the proxy's own connect, which then connects to itself.
     * Either way the "refused" upstream answers, or hangs, now and then.
     */
    public static int refusingPort() {
        int firstEphemeral = EphemeralPorts.first();
        int low = Math.max(1024, firstEphemeral - 10_000);
        for (int tries = 0; tries < 200; tries++) {
            int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(low, firstEphemeral);
            if (isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port below " + firstEphemeral);
    }

    private static boolean isFree(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static String sha256(ByteBuf buf) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(buf.nioBuffer());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The aggregator rewrites framing; keep what the proxy actually sent as {@code x-original-*} headers. */
    private static final class FramingRecorder extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.handler.codec.http.HttpRequest req) {
                String te = req.headers().get(HttpHeaderNames.TRANSFER_ENCODING);
                String cl = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
                if (te != null) {
                    req.headers().set("x-original-transfer-encoding", te);
                }
                if (cl != null) {
                    req.headers().set("x-original-content-length", cl);
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final long connectionId;

        Handler(long connectionId) {
            this.connectionId = connectionId;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            RecordedRequest recorded = new RecordedRequest(req.method().name(), req.uri(), req.headers().copy(),
                    req.content().readableBytes(), sha256(req.content()), connectionId, req.trailingHeaders().copy());
            requests.add(recorded);
            behavior.respond(recorded, new Reply(ctx, req.content().retainedDuplicate(), HttpUtil.isKeepAlive(req)));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The fake's answer to one request; exactly one method should be called. */
    public static final class Reply {
        private final ChannelHandlerContext ctx;
        private final ByteBuf body;
        private final boolean keepAlive;
        private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

        Reply(ChannelHandlerContext ctx, ByteBuf body, boolean keepAlive) {
            this.ctx = ctx;
            this.body = body;
            this.keepAlive = keepAlive;
            ctx.channel().closeFuture().addListener(f -> release());
        }

        private void release() {
            // Exactly once: the duplicate shares its reference count with the request, so a count check
            // would let a second call (a reply method, then the close listener) drop the request's share.
            if (released.compareAndSet(false, true)) {
                body.release();
            }
        }

        public void send(int status, String contentType, String text) {
            send(status, contentType, text, new String[0]);
        }

        /** A complete response; {@code headers} are name, value pairs. */
        public void send(int status, String contentType, String text, String... headers) {
            release();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            for (int i = 0; i + 1 < headers.length; i += 2) {
                response.headers().add(headers[i], headers[i + 1]);
            }
            write(response);
        }

        /** 200 with the request body as the response body. */
        public void echo() {
            if (!released.compareAndSet(false, true)) {
                return; // the connection closed first and the body is gone with it
            }
            // From here the body belongs to the response, which the encoder releases.
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            response.headers().set("x-body-sha256", sha256(body));
            write(response);
        }

        /** A chunked response of {@code chunks} parts with the given text each. */
        public void sendChunked(int status, String... chunks) {
            release();
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            HttpUtil.setTransferEncodingChunked(head, true);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            ctx.write(head);
            for (String chunk : chunks) {
                ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(chunk, StandardCharsets.UTF_8)));
            }
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }

        /**
         * Streams {@code totalBytes} of a repeating pattern with Content-Length, writing only while the
         * connection is writable, so a slow reader slows the fake down instead of filling its memory.
         */
        public void stream(long totalBytes) {
            release();
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(head, totalBytes);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            ctx.writeAndFlush(head);
            new PatternStreamer(ctx, totalBytes).run();
        }

        /** Sends a head with Content-Length {@code declared}, {@code sent} bytes of body, then resets. */
        public void resetMidBody(int declared, int sent) {
            release();
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(head, declared);
            ctx.write(head);
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[sent])))
                    .addListener(f -> reset());
        }

        /** Closes the connection with a TCP RST. */
        public void reset() {
            release();
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
        }

        /** Closes the connection without a response. */
        public void close() {
            release();
            ctx.close();
        }

        /** Raw bytes, as they are: for malformed responses. */
        public void raw(String bytes) {
            release();
            // Bypass the codec: write straight to the socket.
            ctx.channel().pipeline().firstContext().writeAndFlush(
                    Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        }

        /** Raw bytes, then a clean close once they are all written: an upstream that ends a tunnel. */
        public void rawThenClose(String bytes) {
            release();
            ctx.channel().pipeline().firstContext().writeAndFlush(
                    Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1)).addListener(ChannelFutureListener.CLOSE);
        }

        /** Raw bytes through the connection's TLS (an HTTPS fake): for responses the codec would not write. */
        public void rawOverTls(String bytes) {
            release();
            ctx.pipeline().context(HttpServerCodec.class).writeAndFlush(
                    Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        }

        /** Sends TLS close_notify and leaves the TCP connection open, as a server waiting for the peer's. */
        public void closeNotify() {
            ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class).closeOutbound();
        }

        /** Raw bytes, {@code bytesPerTick} at a time every {@code tickMillis}: a server that trickles. */
        public void rawTrickle(String bytes, int bytesPerTick, long tickMillis) {
            release();
            byte[] all = bytes.getBytes(StandardCharsets.ISO_8859_1);
            ChannelHandlerContext first = ctx.channel().pipeline().firstContext();
            Runnable[] tick = new Runnable[1];
            int[] offset = {0};
            tick[0] = () -> {
                if (!ctx.channel().isActive() || offset[0] >= all.length) {
                    return;
                }
                int n = Math.min(bytesPerTick, all.length - offset[0]);
                first.writeAndFlush(Unpooled.wrappedBuffer(all, offset[0], n));
                offset[0] += n;
                ctx.executor().schedule(tick[0], tickMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
            };
            tick[0].run();
        }

        /** Runs {@code task} after {@code millis} on the fake's event loop. */
        public void after(long millis, Runnable task) {
            ctx.executor().schedule(task, millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private void write(FullHttpResponse response) {
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(response);
            }
        }
    }

    private static final class PatternStreamer implements Runnable {
        private static final int CHUNK = 64 * 1024;
        private final ChannelHandlerContext ctx;
        private long remaining;

        PatternStreamer(ChannelHandlerContext ctx, long total) {
            this.ctx = ctx;
            this.remaining = total;
        }

        @Override
        public void run() {
            while (remaining > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(CHUNK, remaining);
                // Filled as an array and written once: under paranoid leak detection every single-byte
                // access to a buffer records a stack trace, which would slow the fake to a crawl.
                byte[] pattern = new byte[n];
                for (int i = 0; i < n; i++) {
                    pattern[i] = (byte) ((remaining - i) & 0x7f);
                }
                ByteBuf chunk = ctx.alloc().buffer(n);
                chunk.writeBytes(pattern);
                remaining -= n;
                ctx.write(new DefaultHttpContent(chunk));
            }
            if (remaining == 0) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            ctx.flush();
            if (!ctx.channel().isActive()) {
                return;
            }
            // Resume when the socket drains; polling keeps the fake simple and its memory bounded.
            ctx.executor().schedule(this, 2, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    static String hex(byte[] bytes) {
        return ByteBufUtil.hexDump(bytes);
    }
}
