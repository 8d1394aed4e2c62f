package dev.rampart.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

import java.util.concurrent.TimeUnit;

/**
 * What the kernel knows of a connection that the proxy's reads and writes do not show, from TCP_INFO on the io_uring
 * and epoll transports: when data last left for the peer ({@code last_data_sent}) and last came from it
 * ({@code last_data_recv}), and whether the peer acknowledged all that was sent ({@code unacked}). A peer that reads
 * slowly takes bytes the kernel held for it long after the proxy's last write, and only the kernel sees that; a peer
 * that reads nothing gets no data at all (a zero window); a peer that is gone, or cut off, acknowledges nothing; and
 * bytes that arrived a moment ago may not have been read yet.
 */
final class KernelTcpInfo {

    private KernelTcpInfo() {
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

    /** Nanoseconds since data last came from {@code channel}'s peer; {@code Long.MAX_VALUE} where that is unknown. */
    static long nanosSinceDataReceived(Channel channel) {
        if (!channel.isActive()) {
            return Long.MAX_VALUE;
        }
        try {
            if (channel instanceof IoUringSocketChannel uring) {
                return TimeUnit.MILLISECONDS.toNanos(uring.tcpInfo().lastDataRecv());
            }
            if (channel instanceof EpollSocketChannel epoll) {
                return TimeUnit.MILLISECONDS.toNanos(epoll.tcpInfo().lastDataRecv());
            }
        } catch (ChannelException e) {
            return Long.MAX_VALUE; // closed under us
        }
        return Long.MAX_VALUE; // NIO: no TCP_INFO
    }

    /**
     * Whether {@code channel}'s peer acknowledged every byte the kernel sent it: its host is there and its network
     * path open, however slowly its server answers. False when segments wait for acknowledgement (the kernel is
     * retransmitting them to a host that vanished or a path that was cut), and when that is unknown: NIO has no
     * TCP_INFO, and a closed channel none left.
     */
    static boolean peerAcknowledgedAll(Channel channel) {
        if (!channel.isActive()) {
            return false;
        }
        try {
            if (channel instanceof IoUringSocketChannel uring) {
                return uring.tcpInfo().unacked() == 0;
            }
            if (channel instanceof EpollSocketChannel epoll) {
                return epoll.tcpInfo().unacked() == 0;
            }
        } catch (ChannelException e) {
            return false; // closed under us
        }
        return false; // NIO: no TCP_INFO
    }
}
