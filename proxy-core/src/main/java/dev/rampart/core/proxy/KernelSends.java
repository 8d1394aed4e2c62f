package dev.rampart.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.concurrent.TimeUnit;

/**
 * When the kernel last sent data to a connection's peer: TCP_INFO's {@code last_data_sent}, on the io_uring
 * and epoll transports. A peer that reads slowly takes bytes the kernel held for it long after the proxy's last write,
 * and only the kernel sees that; a peer that reads nothing gets no data at all (a zero window).
 */
final class KernelSends {

    private KernelSends() {
    }

    /** Nanoseconds since data last left for {@code channel}'s peer; {@code Long.MAX_VALUE} where that is unknown. */
    static long nanosSinceDataSent(Channel channel) {
        if (!channel.isActive()) {
            return Long.MAX_VALUE;
        }
        try {
            if (channel instanceof IoUringSocketChannel uring) {
                return TimeUnit.MILLISECONDS.toNanos(uring.tcpInfo().lastDataSent());
            }
            if (channel instanceof EpollSocketChannel epoll) {
                return TimeUnit.MILLISECONDS.toNanos(epoll.tcpInfo().lastDataSent());
            }
        } catch (ChannelException e) {
            return Long.MAX_VALUE; // closed under us
        }
        return Long.MAX_VALUE; // NIO: no TCP_INFO
    }
}
