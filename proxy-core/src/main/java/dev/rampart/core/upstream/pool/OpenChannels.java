package dev.rampart.core.upstream.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ReflectiveChannelFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Makes channels and keeps those still open, so that the end of the process can wait for their closes: the DNS
 * resolvers' datagram sockets, the health checks' connections. Something else starts each close (a resolver's
 * close, a cancelled probe) and returns at once; on io_uring the close ends when the kernel gives back the
 * socket's pending receive, whose buffer is released then. An event loop that ended first, as Netty's do at once
 * with no quiet period, left it unreleased (a leak report in the tests) or never closed the channel at all.
 */
public final class OpenChannels<C extends Channel> implements ChannelFactory<C> {

    private final ChannelFactory<? extends C> made;
    private final Set<C> open = ConcurrentHashMap.newKeySet();

    public OpenChannels(Class<? extends C> type) {
        this.made = new ReflectiveChannelFactory<>(type);
    }

    @Override
    public C newChannel() {
        C channel = made.newChannel();
        open.add(channel);
        channel.closeFuture().addListener(f -> open.remove(channel));
        return channel;
    }

    /**
     * Waits, up to {@code limit} in all, for the channels still open to close, those made meanwhile included (a
     * connect that moves on to a name's next address). Blocks: never call it on an event loop.
     */
    public void awaitClosed(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!open.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            for (C channel : open) {
                if (channel.isRegistered() && channel.eventLoop().inEventLoop()) {
                    throw new IllegalStateException("waiting for closes on an event loop would hold them up");
                }
                channel.closeFuture().awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
            }
            open.removeIf(channel -> channel.closeFuture().isDone()); // closed, their listeners not yet run
        }
    }

    /** Starts the close of every channel still open. */
    public void closeEach() {
        open.forEach(Channel::close);
    }

    /** How many of the channels made are open (or not yet closed) now. */
    public int openNow() {
        return open.size();
    }
}
