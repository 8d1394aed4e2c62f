package dev.rampart.core.proxy;

import dev.rampart.core.config.ServerConfig;
import dev.rampart.core.config.ServerTlsConfig;
import dev.rampart.core.config.TlsHandshakeConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.handler.ssl.ClientAuth;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The client-facing listener: binds {@code server.host:server.port} and accepts connections. */
public final class ProxyListener {

    /** The listening sockets (see {@link ListeningSockets}): one, or one per event loop with {@code reuse-port}. */
    private final ChannelGroup serverChannels;
    private final ClientChannelInitializer initializer;
    private final int port;
    /** The TLS settings and files in force, null without TLS; read and set by reloads only. */
    private ListenerTls tls;

    private ProxyListener(List<Channel> serverChannels, ClientChannelInitializer initializer, ListenerTls tls) {
        this.serverChannels = new DefaultChannelGroup("listeners", GlobalEventExecutor.INSTANCE);
        this.serverChannels.addAll(serverChannels);
        this.port = ((InetSocketAddress) serverChannels.get(0).localAddress()).getPort();
        this.initializer = initializer;
        this.tls = tls;
    }

    /**
     * What decides which clients a handshake admits: whether they are asked for a certificate, the certificates
     * theirs must chain to (as read now: a trust file replaced in place changes this), the versions and suites.
     */
    private record ClientVerification(ServerTlsConfig.ClientAuth clientAuth, List<X509Certificate> trusted,
                                      TlsHandshakeConfig handshake) {
        static ClientVerification of(ListenerTls tls) {
            return tls == null ? null
                    : new ClientVerification(tls.config().clientAuth(), tls.trusted(), tls.config().handshake());
        }

        boolean asksForCertificates() {
            return clientAuth != ServerTlsConfig.ClientAuth.NONE;
        }
    }

    /**
     * Binds the listener. Called from the starting thread, never from an event loop, so it may wait.
     *
     * @throws CannotListenException when the port cannot be bound
     * @throws IllegalStateException when TLS files cannot be read
     */
    public static ProxyListener bind(ProxyRuntime runtime, EventLoopGroup acceptors) {
        ServerConfig server = runtime.config().server();
        ListenerTls tls = server.tls().map(ListenerTls::read).orElse(null);
        ClientChannelInitializer initializer = new ClientChannelInitializer(runtime, tls == null ? null : tls.newContext());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .channel(runtime.transport().serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // End-of-input becomes an event, so that answers already written are flushed before the close.
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(initializer);
        List<Channel> listening = ListeningSockets.bind(bootstrap, () -> new AcceptFailures("client connections"),
                runtime.transport(), server.reusePort(), acceptors, runtime.workers(), server.host(), server.port());
        return new ProxyListener(listening, initializer, tls);
    }

    /**
     * Reads the listener's certificate, key and client trust file again (a reload: certificates are rotated
     * in place, as cert-manager and certbot do) and takes its client-auth; new connections get them, open
     * ones keep theirs. The files were checked when the config was loaded; if they changed since and cannot
     * be used, this throws {@link IllegalStateException} and the old ones stay. When the reload changes how clients
     * are verified (client-auth, the trust
     * file's certificates, the versions or suites) and they are asked for certificates, before the reload or
     * after it, the connections made before it close after their current request (idle ones at once), so
     * that every client is verified under the settings now in force (a trust file replaced to drop a CA,
     * client-auth turned on). A reload that changes none of that keeps them, so a config generator that
     * reloads often does not make every client handshake again; one that changes no TLS setting and no
     * file's contents keeps the context too, so clients also resume their TLS sessions.
     */
    public void reloadTls(ServerTlsConfig config) {
        commitTls(prepareTls(config));
    }

    /** The listener's TLS as a reload would set it, read and built and not yet served. */
    public static final class PreparedTls {
        private final ListenerTls read;
        /** The context to serve, or null when the files and settings are as the running ones (its own is kept). */
        private final SslContext context;

        private PreparedTls(ListenerTls read, SslContext context) {
            this.read = read;
            this.context = context;
        }
    }

    /**
     * The first half of {@link #reloadTls}: reads the files and builds the context, changing nothing, so that a
     * reload can refuse the whole config when they have become unusable since the check read them. Throws
     * {@link IllegalStateException} naming the files then.
     */
    public synchronized PreparedTls prepareTls(ServerTlsConfig config) {
        ListenerTls read = ListenerTls.read(config);
        return new PreparedTls(read, read.equals(tls) ? null : read.newContext());
    }

    /** The second half of {@link #reloadTls}: new connections get {@code prepared}; it cannot fail. */
    public synchronized void commitTls(PreparedTls prepared) {
        ListenerTls read = prepared.read;
        if (prepared.context != null) {
            initializer.replaceTls(prepared.context);
        }
        ClientVerification next = ClientVerification.of(read);
        ClientVerification before = ClientVerification.of(tls);
        tls = read;
        boolean certificatesAsked = next.asksForCertificates() || before != null && before.asksForCertificates();
        if (certificatesAsked && !next.equals(before)) {
            onEachConnection(handler -> {
                handler.answers().closeAfterCurrentRequest();
                handler.closeIfIdle();
            });
        }
    }

    /** Runs {@code task} on each open client connection's event loop, with its request handler, where it has one. */
    private void onEachConnection(Consumer<ClientRequestHandler> task) {
        for (Channel ch : initializer.channels()) {
            ClientRequestHandler handler = ch.pipeline().get(ClientRequestHandler.class);
            if (handler != null) {
                ch.eventLoop().execute(() -> task.accept(handler));
            }
        }
    }

    /**
     * Binds {@code host:port} on {@code group} as this listener binds it with one accepting socket: an address is
     * itself, a name each of its addresses on the one port, with those no interface here has left out while another
     * is bound (see {@link ListeningSockets}). For the admin port, so that both ports take a name alike;
     * {@code bootstrap} has everything set but the group and the listening sockets' handler, of which
     * {@code acceptHandler} makes one for each. Called from the starting thread.
     *
     * @throws CannotListenException when the port cannot be bound, with the reason in words
     */
    public static List<Channel> bindEachAddress(ServerBootstrap bootstrap, Supplier<ChannelHandler> acceptHandler,
                                                EventLoopGroup group, String host, int port) {
        // One socket per address on the group's loop: SO_REUSEPORT is not asked, so the transport is not either.
        return ListeningSockets.bind(bootstrap, acceptHandler, Transport.nio(), false, group, group, host, port);
    }

    /** {@code host:port} as a URI writes it, an IPv6 address in brackets ({@code [::]:8080}, not {@code :::8080}). */
    public static String hostAndPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Why binding {@code port} failed, in words, with what to do where the reason is a common one (some of the
     * JDK's exceptions here carry no message, Netty's native ones the system call and errno before the reason).
     */
    public static String whyNotBound(Throwable cause, int port) {
        return BindFailure.why(cause, port);
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return port;
    }

    /** The open client connections. */
    ChannelGroup connections() {
        return initializer.channels();
    }

    /** Client connections currently open. */
    public int openConnections() {
        return initializer.openConnections();
    }

    /**
     * The start of a drain: kept-alive connections waiting for their next request are closed, as nginx closes
     * its idle keep-alive connections; every other one closes after its response, which says
     * {@code Connection: close}, a new one's first request included (see
     * {@link ClientRequestHandler#closeIfKeptAliveIdle}).
     */
    public void closeIdleConnections() {
        onEachConnection(ClientRequestHandler::closeIfKeptAliveIdle);
    }

    /** Completes once every client connection open now has closed. */
    public ChannelGroupFuture connectionsClosed() {
        return initializer.channels().newCloseFuture();
    }

    /**
     * The end of a drain: an exchange still running is answered 503 SHUTTING_DOWN if its response has not
     * started, else cut; what was written goes out, then every connection closes.
     */
    public void closeConnections() {
        for (Channel ch : initializer.channels()) {
            ClientRequestHandler handler = ch.pipeline().get(ClientRequestHandler.class);
            ch.eventLoop().execute(() -> {
                if (handler != null) {
                    handler.endForShutdown();
                }
                // Answers wait for the end of the loop's batch (FlushBatch), and on io_uring for the kernel too.
                CloseAfterWrites.close(ch);
            });
        }
    }

    /** Stops accepting; open connections keep being served. */
    public ChannelGroupFuture stopAccepting() {
        return serverChannels.close();
    }
}
