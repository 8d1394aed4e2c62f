package dev.rampart.core.upstream.pool;

import io.netty.channel.ChannelFactory;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.socket.DatagramChannel;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Makes the DNS resolvers' datagram sockets and keeps those still open, so that the end of the process can wait
 * for their closes. A resolver's close only starts its socket's: on io_uring that ends when the kernel gives
 * back the socket's pending receive, whose buffer is released then; an event loop that ended first left it
 * unreleased (a leak report in the tests, whose loops end without a quiet period).
 */
public final class ResolverSockets implements ChannelFactory<DatagramChannel> {

    private final ChannelFactory<? extends DatagramChannel> made;
    private final Set<DatagramChannel> open = ConcurrentHashMap.newKeySet();

    public ResolverSockets(Class<? extends DatagramChannel> type) {
        this.made = new ReflectiveChannelFactory<>(type);
    }

    @Override
    public DatagramChannel newChannel() {
        DatagramChannel channel = made.newChannel();
        open.add(channel);
        channel.closeFuture().addListener(f -> open.remove(channel));
        return channel;
    }

    /** Waits, up to {@code limit} in all, for the sockets still open to close; the resolvers close them. */
    public void awaitClosed(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (DatagramChannel channel : open) {
            channel.closeFuture().awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        }
    }
}
