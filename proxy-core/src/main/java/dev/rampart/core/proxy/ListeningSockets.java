package dev.rampart.core.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.concurrent.EventExecutor;

import io.netty.util.NetUtil;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Supplier;

/**
 * The listening sockets of the client-facing port. By default, and always on NIO (which has no SO_REUSEPORT), one
 * socket on the acceptor thread hands each connection to the loops in turn: that thread empties the kernel's queue
 * of new connections at once, so a drain's close of the socket resets none of them. With
 * {@code server.reuse-port = true}, on epoll and io_uring, one socket per event loop, all bound to the port with
 * SO_REUSEPORT, so that the kernel spreads new connections over the loops and each loop accepts its own, as nginx's
 * workers do with {@code reuseport}: a connection is served where it was accepted, with no hand-over (on a machine
 * whose cores are all busy, a wake-up and a task switch for every new connection); but a busy loop accepts between
 * its other work, and a drain resets what its queue holds. A host name is each of its addresses, each bound so.
 */
final class ListeningSockets {

    private ListeningSockets() {
    }

    /** The addresses a listener's host stands for. */
    interface HostAddresses {
        /** The distinct addresses of {@code host}, at least one; throws when it has none. */
        List<InetAddress> of(String host) throws UnknownHostException;
    }

    /**
     * An address is itself; a name is every address it resolves to, as nginx's {@code listen localhost:8080} binds
     * each: where the hosts file lists {@code ::1 localhost} beside {@code 127.0.0.1 localhost} (Docker's and
     * Kubernetes' files do), a client that takes {@code localhost} as {@code ::1} alone (Node.js 17 to 19 try no
     * other address) would find nothing on the port were only the first address bound.
     */
    static final HostAddresses RESOLVED = host -> {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return List.of(InetAddress.getByName(host)); // a literal: no name service asked
        }
        return List.copyOf(new LinkedHashSet<>(List.of(InetAddress.getAllByName(host))));
    };

    /**
     * Binds {@code host:port}; {@code bootstrap} has everything set but the groups and the listening sockets' own
     * handler, of which {@code acceptHandler} makes one for each. Called from the starting thread.
     *
     * @throws CannotListenException when the port cannot be bound, with the reason in words
     */
    static List<Channel> bind(ServerBootstrap bootstrap, Supplier<ChannelHandler> acceptHandler, Transport transport,
                              boolean reusePort, EventLoopGroup acceptors, EventLoopGroup workers, String host,
                              int port) {
        return bind(bootstrap, acceptHandler, transport, reusePort, acceptors, workers, host, port, RESOLVED);
    }

    /**
     * As above, with each of the addresses {@code addresses} gives for {@code host} bound on the same port (the one
     * the kernel picks for the first, when {@code port} is 0); all or none, but for an address of a name that no
     * interface here has (a hosts file's {@code ::1} where IPv6 is turned off), which is left out while another is
     * bound.
     */
    static List<Channel> bind(ServerBootstrap bootstrap, Supplier<ChannelHandler> acceptHandler, Transport transport,
                              boolean reusePort, EventLoopGroup acceptors, EventLoopGroup workers, String host,
                              int port, HostAddresses addresses) {
        List<InetAddress> all;
        try {
            all = addresses.of(host);
        } catch (UnknownHostException | RuntimeException e) {
            throw notBound(host, port, e);
        }
        List<Channel> channels = new ArrayList<>();
        IllegalStateException notHere = null;
        try {
            int chosen = port;
            for (InetAddress address : all) {
                try {
                    channels.addAll(bindOne(bootstrap, acceptHandler, transport, reusePort, acceptors, workers,
                            address, host, chosen));
                } catch (IllegalStateException e) {
                    if (all.size() == 1 || !notOnThisHost(address)) {
                        throw e;
                    }
                    // A container with IPv6 turned off still lists ::1 localhost: the name's other addresses serve.
                    notHere = notHere == null ? e : notHere;
                    continue;
                }
                chosen = ((InetSocketAddress) channels.get(0).localAddress()).getPort();
            }
        } catch (IllegalStateException e) {
            channels.forEach(Channel::close);
            throw e;
        }
        if (channels.isEmpty()) {
            throw notHere;
        }
        return List.copyOf(channels);
    }

    /**
     * Whether no interface of this host has {@code address} (why its bind failed: EADDRNOTAVAIL, not a port in use).
     * Asked of the interfaces rather than read from the error's words, which the C library gives in the locale's
     * language.
     */
    private static boolean notOnThisHost(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) == null;
        } catch (SocketException e) {
            return false; // cannot tell: the bind's own failure stands
        }
    }

    private static List<Channel> bindOne(ServerBootstrap bootstrap, Supplier<ChannelHandler> acceptHandler,
                                         Transport transport, boolean reusePort, EventLoopGroup acceptors,
                                         EventLoopGroup workers, InetAddress address, String host, int port) {
        if (!reusePort || "nio".equals(transport.name())) {
            return List.of(bound(bootstrap.clone().group(acceptors, workers).handler(acceptHandler.get())
                    .bind(address, port), host, port));
        }
        // With SO_REUSEPORT on every socket, a second Rampart on the port would bind too and take a share of its
        // connections without a word; a plain bind first fails as a port in use should (and picks the port for 0).
        // A program that sets SO_REUSEPORT itself still gets in, as with nginx's reuseport.
        int chosen = portFreeForUs(address, host, port);
        List<Channel> channels = new ArrayList<>();
        try {
            for (EventExecutor executor : workers) {
                EventLoop loop = (EventLoop) executor;
                channels.add(bound(bootstrap.clone().group(loop, loop).handler(acceptHandler.get())
                        .option(UnixChannelOption.SO_REUSEPORT, true).bind(address, chosen), host, chosen));
            }
        } catch (IllegalStateException e) {
            channels.forEach(Channel::close);
            throw e;
        }
        return channels;
    }

    /** Binds and closes a plain socket on {@code host:port}: the port, chosen by the kernel when 0. */
    private static int portFreeForUs(InetAddress address, String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(address, port));
            return probe.getLocalPort();
        } catch (IOException | RuntimeException e) {
            throw notBound(host, port, e);
        }
    }

    private static Channel bound(ChannelFuture binding, String host, int port) {
        ChannelFuture done = binding.awaitUninterruptibly();
        if (!done.isSuccess()) {
            throw notBound(host, port, done.cause());
        }
        return done.channel();
    }

    private static CannotListenException notBound(String host, int port, Throwable cause) {
        return new CannotListenException(host, port, cause);
    }
}
