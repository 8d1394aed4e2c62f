package dev.rampart.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.uring.IoUringTcpInfo;

import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * What the kernel knows of a connection that the proxy's reads and writes do not show, from TCP_INFO on the io_uring
 * and epoll transports: when data last left for the peer ({@code last_data_sent}) and last came from it
 * ({@code last_data_recv}), and whether the peer acknowledged all that was sent ({@code unacked}). A peer that reads
 * slowly takes bytes the kernel held for it long after the proxy's last write, and only the kernel sees that; a peer
 * that reads nothing gets no data at all (a zero window); a peer that is gone, or cut off, acknowledges nothing; and
 * bytes that arrived a moment ago may not have been read yet. And the round trip to the peer as the kernel timed it
 * ({@code rtt}), free of the delays of the event loop that handles the connection.
 */
public final class KernelTcpInfo {

    /** What a reading is when the kernel cannot be asked: NIO has no TCP_INFO, and a closed channel none left. */
    private static final long UNKNOWN = -1;

    private KernelTcpInfo() {
    }

    /** Nanoseconds since data last left for {@code channel}'s peer; {@code Long.MAX_VALUE} where that is unknown. */
    static long nanosSinceDataSent(Channel channel) {
        long millis = read(channel, IoUringTcpInfo::lastDataSent, EpollTcpInfo::lastDataSent);
        return millis == UNKNOWN ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Nanoseconds since data last came from {@code channel}'s peer; {@code Long.MAX_VALUE} where that is unknown. */
    static long nanosSinceDataReceived(Channel channel) {
        long millis = read(channel, IoUringTcpInfo::lastDataRecv, EpollTcpInfo::lastDataRecv);
        return millis == UNKNOWN ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /**
     * Whether {@code channel}'s peer acknowledged every byte the kernel sent it: its host is there and its network
     * path open, however slowly its server answers. False when segments wait for acknowledgement (the kernel is
     * retransmitting them to a host that vanished or a path that was cut), and when that is unknown.
     */
    static boolean peerAcknowledgedAll(Channel channel) {
        return read(channel, IoUringTcpInfo::unacked, EpollTcpInfo::unacked) == 0;
    }

    /**
     * The kernel's smoothed round-trip time to {@code channel}'s peer, in nanoseconds: just after the connect, the
     * handshake's own round trip, timed by the kernel as the SYN-ACK came, however late the event loop got to it.
     * 0 where that is unknown (NIO, a closed channel, no sample yet).
     */
    public static long roundTripNanos(Channel channel) {
        long micros = read(channel, IoUringTcpInfo::rtt, EpollTcpInfo::rtt);
        return micros <= 0 ? 0 : TimeUnit.MICROSECONDS.toNanos(micros);
    }

    /** One field of {@code channel}'s TCP_INFO, read the way its transport offers it; {@link #UNKNOWN} otherwise. */
    private static long read(Channel channel, ToLongFunction<IoUringTcpInfo> uring, ToLongFunction<EpollTcpInfo> epoll) {
        if (!channel.isActive()) {
            return UNKNOWN;
        }
        try {
            if (channel instanceof IoUringSocketChannel ch) {
                return uring.applyAsLong(ch.tcpInfo());
            }
            if (channel instanceof EpollSocketChannel ch) {
                return epoll.applyAsLong(ch.tcpInfo());
            }
        } catch (ChannelException e) {
            return UNKNOWN; // closed under us
        }
        return UNKNOWN;
    }
}
