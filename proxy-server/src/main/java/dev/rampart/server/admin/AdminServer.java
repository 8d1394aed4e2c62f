package dev.rampart.server.admin;

import dev.rampart.core.config.AdminConfig;
import dev.rampart.core.proxy.AcceptFailures;
import dev.rampart.core.proxy.CannotListenException;
import dev.rampart.core.proxy.ProxyListener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener: {@code /metrics}, {@code /healthz}, {@code /readyz}, {@code /admin/routes} and
 * {@code /admin/breakers} on {@code admin.host:admin.port} (PRODUCT.md §3.5).
 *
 * <p>It runs on its own single NIO event loop rather than the proxy's: a scrape (a few hundred
 * microseconds of formatting) never adds latency to proxied requests, and a proxy whose loops are
 * saturated still answers its health and metrics, which is when they matter most. One thread is plenty
 * for a handful of scrapers and probes, and NIO keeps the channel type independent of the transport the
 * proxy picked. The thread is a daemon, so the admin server alone never keeps the process alive.
 *
 * <p>Requests are small (the aggregator refuses bodies over {@value #MAX_REQUEST_BYTES} bytes with 413),
 * connections idle for {@value #IDLE_SECONDS} s are closed, and {@link AdminRequestLimits} bounds how long
 * a request may take to arrive and how many connections may be open.
 */
public final class AdminServer implements AutoCloseable {

    static final int MAX_REQUEST_BYTES = 8192;
    static final int IDLE_SECONDS = 60;

    private final EventLoopGroup group;
    /** A socket per address of {@code admin.host}: a name is each of its addresses, as for the listener. */
    private final List<Channel> channels;
    /** The open admin connections, closed by {@link #close()} before the event loop stops. */
    private final ChannelGroup connections;
    private final InetSocketAddress address;

    private AdminServer(EventLoopGroup group, List<Channel> channels, ChannelGroup connections) {
        this.group = group;
        this.channels = channels;
        this.connections = connections;
        this.address = (InetSocketAddress) channels.get(0).localAddress();
    }

    /**
     * Binds {@code config.host():config.port()} (port 0 picks a free one, see {@link #port()}; a name is each of
     * its addresses, on the one port, as the listener binds it: {@link ProxyListener#bindEachAddress}) and starts
     * serving. Blocks until bound: call it from the main thread, not from an event loop.
     *
     * @throws IOException when the address cannot be bound; the message names it, and its cause is the
     *     {@link CannotListenException} when a socket was refused
     */
    public static AdminServer start(AdminConfig config, AdminSources sources) throws IOException {
        return start(config, sources, AdminRequestLimits.Settings.DEFAULT);
    }

    static AdminServer start(AdminConfig config, AdminSources sources, AdminRequestLimits.Settings limitSettings)
            throws IOException {
        AdminRequestLimits limits = new AdminRequestLimits(limitSettings);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("rampart-admin", true), NioIoHandler.newFactory());
        AdminHandler handler = new AdminHandler(sources);
        ChannelGroup connections = new DefaultChannelGroup("rampart-admin connections", group.next());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch); // counted out by the group itself when it closes
                        ChannelHandler[] deadline = limits.admit(ch);
                        if (deadline == null) {
                            return; // no room: closed
                        }
                        ch.pipeline().addLast(
                                new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                                deadline[0],
                                new HttpServerCodec(),
                                new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(MAX_REQUEST_BYTES) {
                                    @Override
                                    protected void handleOversizedMessage(ChannelHandlerContext ctx,
                                                                          HttpMessage oversized) {
                                        AdminHandler.refuseTooLarge(ctx); // JSON and no-store, like every answer
                                    }

                                    @Override
                                    protected Object newContinueResponse(HttpMessage start, int maxContentLength,
                                                                         ChannelPipeline pipeline) {
                                        // Netty's own refusal of an Expect (413, 417) has no body and no
                                        // Cache-Control: the same status in JSON, as every admin answer
                                        return AdminHandler.refusedExpectation(
                                                super.newContinueResponse(start, maxContentLength, pipeline));
                                    }
                                },
                                deadline[1],
                                handler);
                    }
                });
        try {
            return new AdminServer(group, ProxyListener.bindEachAddress(bootstrap,
                    () -> new AcceptFailures("admin connections"), group, config.host(), config.port()), connections);
        } catch (CannotListenException e) { // "cannot listen on host:port: why"
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("admin server: " + e.getMessage(), e);
        } catch (RuntimeException e) { // e.g. a port out of range, refused before any socket exists
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("admin server: cannot listen on "
                    + ProxyListener.hostAndPort(config.host(), config.port())
                    + ": " + ProxyListener.whyNotBound(e, config.port()), e);
        }
    }

    /** The bound port (the ephemeral one when the config said 0); still known after {@link #close()}. */
    public int port() {
        return address.getPort();
    }

    /** The bound address. */
    public InetSocketAddress localAddress() {
        return address;
    }

    /**
     * Stops listening, closes open admin connections and stops the admin thread, waiting up to a few
     * seconds. Safe to call more than once; call it from a thread that is not an event loop.
     */
    @Override
    public void close() {
        channels.forEach(channel -> channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS));
        // Closed here, not left to the loop's shutdown: with no quiet period, Netty 4.2's loop could end without
        // closing the channels still registered (SingleThreadIoEventLoop.run closes them only when it sees the
        // shutdown right after polling, and confirmShutdown ended it at once when a task had just run, as the
        // listener's close leaves one). Their sockets then stayed open and their pipelines never saw
        // channelInactive, so a request under way left the aggregator's buffer unreleased.
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
