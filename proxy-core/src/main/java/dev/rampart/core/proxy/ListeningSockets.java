package dev.rampart.core.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.concurrent.EventExecutor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
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
 * its other work, and a drain resets what its queue holds.
 */
final class ListeningSockets {

    private ListeningSockets() {
    }

    /**
     * Binds {@code host:port}; {@code bootstrap} has everything set but the groups and the listening sockets' own
     * handler, of which {@code acceptHandler} makes one for each. Called from the starting thread.
     *
     * @throws IllegalStateException when the port cannot be bound, with the reason in words
     */
    static List<Channel> bind(ServerBootstrap bootstrap, Supplier<ChannelHandler> acceptHandler, Transport transport,
                              boolean reusePort, EventLoopGroup acceptors, EventLoopGroup workers, String host,
                              int port) {
        if (!reusePort || "nio".equals(transport.name())) {
            return List.of(bound(bootstrap.clone().group(acceptors, workers).handler(acceptHandler.get())
                    .bind(host, port), host, port));
        }
        // With SO_REUSEPORT on every socket, a second Rampart on the port would bind too and take a share of its
        // connections without a word; a plain bind first fails as a port in use should (and picks the port for 0).
        // A program that sets SO_REUSEPORT itself still gets in, as with nginx's reuseport.
        int chosen = portFreeForUs(host, port);
        List<Channel> channels = new ArrayList<>();
        try {
            for (EventExecutor executor : workers) {
                EventLoop loop = (EventLoop) executor;
                channels.add(bound(bootstrap.clone().group(loop, loop).handler(acceptHandler.get())
                        .option(UnixChannelOption.SO_REUSEPORT, true).bind(host, chosen), host, chosen));
            }
        } catch (IllegalStateException e) {
            channels.forEach(Channel::close);
            throw e;
        }
        return List.copyOf(channels);
    }

    /** Binds and closes a plain socket on {@code host:port}: the port, chosen by the kernel when 0. */
    private static int portFreeForUs(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
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

    private static IllegalStateException notBound(String host, int port, Throwable cause) {
        return new IllegalStateException("cannot listen on " + ProxyListener.hostAndPort(host, port) + ": "
                + ProxyListener.whyNotBound(cause), cause);
    }
}
