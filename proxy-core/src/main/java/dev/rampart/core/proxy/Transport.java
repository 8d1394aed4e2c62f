package dev.rampart.core.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The socket transport, chosen once at start: epoll when its native library loads, NIO otherwise.
 * Client and origin channels share the same event loops, so both must use the same transport.
 */
public record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannelClass,
        Class<? extends SocketChannel> socketChannelClass) {

    /** Epoll when available (and not disabled with {@code -Drampart.transport=nio}), NIO otherwise. */
    public static Transport detect() {
        boolean wantNio = "nio".equalsIgnoreCase(System.getProperty("rampart.transport"));
        if (!wantNio && Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(),
                    EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return nio();
    }

    /** The portable NIO transport. */
    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** Why epoll is not used, for the start-up log; null when it is. */
    public static String epollUnavailabilityCause() {
        Throwable cause = Epoll.unavailabilityCause();
        return cause == null ? null : String.valueOf(cause.getMessage());
    }

    /** An event loop group of this transport with {@code threads} loops. */
    public EventLoopGroup newEventLoopGroup(int threads, String threadNamePrefix) {
        return new MultiThreadIoEventLoopGroup(threads,
                new io.netty.util.concurrent.DefaultThreadFactory(threadNamePrefix, true), ioHandlerFactory);
    }
}
