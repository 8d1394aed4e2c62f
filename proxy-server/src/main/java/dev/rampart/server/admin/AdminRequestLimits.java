package dev.rampart.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one client can hold of the admin listener. Its requests are small and come from a handful of
 * scrapers and probes. Without limits, a client that trickled a request head a byte at a time kept its
 * connection for as long as it liked (the idle timeout counts any byte), and a thousand such clients took
 * every file descriptor of the process, so that the proxy's own listener stopped accepting and
 * {@code /healthz} stopped answering. So a request must be complete within {@code requestTimeout} of
 * its first byte, and the first request within {@code requestTimeout} of the connection's opening, or the
 * connection closes (as the proxy's {@code request-header-timeout} ends a slow head); beyond
 * {@code maxConnections} open connections, or {@code maxPerAddress} from one client address, a new one is
 * closed at once, so that one client cannot take every slot from the probes and scrapers.
 */
final class AdminRequestLimits {

    /** @param requestTimeout from a connection's opening, or a later request's first byte, to the request's last */
    record Settings(int maxConnections, int maxPerAddress, Duration requestTimeout) {
        static final Settings DEFAULT = new Settings(64, 16, Duration.ofSeconds(10));
    }

    private final Settings settings;
    private final AtomicInteger open = new AtomicInteger();
    /** Open connections per client address. Only the admin server's one event loop touches it. */
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();

    AdminRequestLimits(Settings settings) {
        this.settings = settings;
    }

    /** Counts {@code ch} in, or closes it when the listener is full; false when it was closed. */
    boolean admit(Channel ch) {
        InetAddress address = ch.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
        int fromAddress = address == null ? 0 : perAddress.getOrDefault(address, 0);
        if (open.get() >= settings.maxConnections() || fromAddress >= settings.maxPerAddress()) {
            ch.close();
            return false;
        }
        open.incrementAndGet();
        if (address != null) {
            perAddress.put(address, fromAddress + 1);
        }
        ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            if (address != null) {
                perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
            }
        });
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

        /** The connection opened, or bytes arrived: either starts a request's deadline. */
        final ChannelInboundHandlerAdapter firstBytes = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                start(ctx); // a connection that sends nothing holds a slot no longer than a slow request
                ctx.fireChannelActive();
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf) {
                    start(ctx);
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

        private void start(ChannelHandlerContext ctx) {
            if (timer == null) {
                timer = ctx.executor().schedule((Runnable) ctx::close, timeoutNanos, TimeUnit.NANOSECONDS);
            }
        }

        private void stop() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }
}
