package dev.rampart.core.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection once what was written to it has left, or after {@link #GRACE_MILLIS} at most.
 *
 * <p>On io_uring a write is only submitted by the flush and done later by the kernel, and Netty's close cancels
 * the writes still in flight, so a flush followed at once by a close could cut what the flush wrote (a 503 of the
 * drain, the answer to a client that shut its sending side); on epoll and NIO the flush has written into the
 * kernel already, as far as the socket took it. An empty write from the pipeline's head completes after every
 * write before it, TLS records included, so the close waits for that; a client that reads nothing is closed at
 * the bound all the same.
 */
final class CloseAfterWrites {

    /** How long written bytes may take to leave before the connection is closed regardless. */
    static final long GRACE_MILLIS = 1_000;

    private CloseAfterWrites() {
    }

    /** Flushes {@code channel}, then closes it when that flush is done or the grace is over; on its event loop. */
    static void close(Channel channel) {
        channel.flush(); // from the tail, through TLS, which holds plaintext until a flush
        if (!channel.isActive()) {
            channel.close();
            return;
        }
        ScheduledFuture<?> bound = channel.eventLoop().schedule((Runnable) channel::close, GRACE_MILLIS,
                TimeUnit.MILLISECONDS);
        channel.pipeline().firstContext().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            bound.cancel(false);
            channel.close();
        });
    }
}
