package dev.rampart.core.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;

import java.net.InetSocketAddress;
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
    private final List<String> clientCertificates = new CopyOnWriteArrayList<>();
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
                                    recordClientCertificate(ssl.engine().getSession());
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

    /**
     * For each TLS handshake completed, in order, the subject of the certificate the client presented, or ""
     * when it presented none (the server context did not ask, or allowed none).
     */
    public List<String> clientCertificateSubjects() {
        return List.copyOf(clientCertificates);
    }

    private void recordClientCertificate(javax.net.ssl.SSLSession session) {
        try {
            java.security.cert.Certificate first = session.getPeerCertificates()[0];
            clientCertificates.add(((java.security.cert.X509Certificate) first).getSubjectX500Principal().getName());
        } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
            clientCertificates.add("");
        }
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
            behavior.respond(recorded, new UpstreamReply(ctx, req.content().retainedDuplicate(), HttpUtil.isKeepAlive(req)));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static String hex(byte[] bytes) {
        return ByteBufUtil.hexDump(bytes);
    }
}
