package dev.rampart.core.bytes;

import dev.rampart.core.bytes.ReadBufferFallback.ReadBufferUnavailable;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Makes sure a channel's pipeline hears of a read that could get no buffer at all, once. Epoll and NIO hand such
 * a failure to the pipeline, and so does io_uring within its read completion; but io_uring also takes the next
 * read's buffer after the completion is handled (the read the handlers asked for during it), where the failure
 * goes to the event loop alone: Netty logs it as "Unexpected exception in the IO event loop", and the channel,
 * still waiting for the read it asked for, never reads again. A client's upload then stalled until
 * {@code request-body-timeout} (408 after 30 s) instead of being answered 503 {@code UPSTREAM_OVERLOADED} at once:
 * 21 of 100 concurrent 1 MiB uploads at a 16 MiB limit. At the head of the pipeline, this marks each failure that
 * passes; one still unmarked once the event loop is done with the read is handed to the pipeline then.
 */
@ChannelHandler.Sharable
final class UndeliveredReadFailures extends ChannelInboundHandlerAdapter {

    static final String NAME = "read-failures";
    static final UndeliveredReadFailures INSTANCE = new UndeliveredReadFailures();

    private UndeliveredReadFailures() {
    }

    /**
     * Hands {@code failure} to {@code channel}'s pipeline after the event loop's current work, unless the transport
     * did so meanwhile (it does at once, within the call that met the failure) or the channel closed.
     */
    static void deliverIfLost(Channel channel, ReadBufferUnavailable failure) {
        channel.eventLoop().execute(() -> {
            if (!failure.wasDelivered() && channel.isActive()) {
                channel.pipeline().fireExceptionCaught(failure);
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ReadBufferUnavailable failure) {
            failure.delivered();
        }
        ctx.fireExceptionCaught(cause);
    }
}
