package dev.rampart.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one client can hold of the admin listener. Its requests are small and come from a handful of
 * scrapers and probes. Without limits, a client that trickled a request head a byte at a time kept its
 * connection for as long as it liked (the idle timeout counts any byte), and a thousand such clients took
 * every file descriptor of the process, so that the proxy's own listener stopped accepting and
 * {@code /healthz} stopped answering. So a request must be complete within {@code requestTimeout} of
 * its first byte, or the connection closes (as the proxy's {@code request-header-timeout} ends a slow
 * head), and beyond {@code maxConnections} open connections a new one is closed at once.
 */
final class AdminRequestLimits {

    /** @param requestTimeout from a request's first byte to its last */
    record Settings(int maxConnections, Duration requestTimeout) {
        static final Settings DEFAULT = new Settings(64, Duration.ofSeconds(10));
    }

    private final Settings settings;
    private final AtomicInteger open = new AtomicInteger();

    AdminRequestLimits(Settings settings) {
        this.settings = settings;
    }

    /** Counts {@code ch} in, or closes it when the listener is full; false when it was closed. */
    boolean admit(Channel ch) {
        if (open.incrementAndGet() > settings.maxConnections()) {
            open.decrementAndGet();
            ch.close();
            return false;
        }
        ch.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    /** The two handlers of one connection's request deadline: before the HTTP codec, and after the aggregator. */
    ChannelHandler[] deadlineHandlers() {
        RequestDeadline deadline = new RequestDeadline(settings.requestTimeout().toNanos());
        return new ChannelHandler[] {deadline.firstBytes, deadline.wholeRequest};
    }

    private static final class RequestDeadline {
        private final long timeoutNanos;
        private ScheduledFuture<?> timer;

        RequestDeadline(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }

        /** Bytes arrived: the first of a request starts its deadline. */
        final ChannelInboundHandlerAdapter firstBytes = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (timer == null && msg instanceof ByteBuf) {
                    timer = ctx.executor().schedule((Runnable) ctx::close, timeoutNanos, TimeUnit.NANOSECONDS);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                stop();
                ctx.fireChannelInactive();
            }
        };

        /** A whole request was read: its deadline is met. */
        final ChannelInboundHandlerAdapter wholeRequest = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof FullHttpRequest) {
                    stop();
                }
                ctx.fireChannelRead(msg);
            }
        };

        private void stop() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }
}
