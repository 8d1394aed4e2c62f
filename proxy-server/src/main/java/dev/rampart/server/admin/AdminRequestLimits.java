package dev.rampart.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 *
 * <p>A connection kept alive between requests (its answers written, no byte of a next request read) holds
 * its slot for nothing, and up to the 60 s idle close: on the default loopback binding, where every client
 * is the one address, a client's pool of 16 such connections, each kept with a request a minute, had
 * {@code /readyz} refused for as long as it liked. So a new connection over a limit first takes the slot of
 * the longest-open idle connection that counts against that limit, which is closed, as nginx reuses idle
 * keep-alive connections when it runs out of connections; only when none is idle is the new one refused.
 */
final class AdminRequestLimits {

    /** @param requestTimeout from a connection's opening, or a later request's first byte, to the request's last */
    record Settings(int maxConnections, int maxPerAddress, Duration requestTimeout) {
        static final Settings DEFAULT = new Settings(64, 16, Duration.ofSeconds(10));
    }

    private final Settings settings;
    /**
     * The open connections, oldest first, with their client address and request state. Only the admin server's
     * one event loop touches it: connections are admitted and closed there.
     */
    private final Map<Channel, Admitted> open = new LinkedHashMap<>();

    AdminRequestLimits(Settings settings) {
        this.settings = settings;
    }

    private record Admitted(InetAddress address, RequestDeadline deadline) {
    }

    /**
     * Counts {@code ch} in, closing an idle connection to make room when a limit is reached; returns the two
     * handlers of its request deadline (before the HTTP codec, and after the aggregator), or null when no room
     * could be made and {@code ch} was closed.
     */
    ChannelHandler[] admit(Channel ch) {
        InetAddress address = ch.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (countFrom(address) >= settings.maxPerAddress() && !closeOldestIdle(address)
                || open.size() >= settings.maxConnections() && !closeOldestIdle(null)) {
            ch.close();
            return null;
        }
        RequestDeadline deadline = new RequestDeadline(settings.requestTimeout().toNanos());
        open.put(ch, new Admitted(address, deadline));
        ch.closeFuture().addListener(f -> open.remove(ch));
        return new ChannelHandler[] {deadline.firstBytes, deadline.wholeRequest};
    }

    /** Open connections from {@code address}; none for a connection without one (its count is never full). */
    private int countFrom(InetAddress address) {
        if (address == null) {
            return 0;
        }
        int count = 0;
        for (Admitted admitted : open.values()) {
            if (address.equals(admitted.address())) {
                count++;
            }
        }
        return count;
    }

    /**
     * Closes the longest-open idle connection from {@code address} (from any address when null), counted out at
     * once; false when there is none.
     */
    private boolean closeOldestIdle(InetAddress address) {
        for (Map.Entry<Channel, Admitted> entry : open.entrySet()) {
            Admitted admitted = entry.getValue();
            if ((address == null || address.equals(admitted.address())) && admitted.deadline().idle()) {
                Channel idle = entry.getKey();
                open.remove(idle);
                idle.close();
                return true;
            }
        }
        return false;
    }

    private static final class RequestDeadline {
        private final long timeoutNanos;
        private ScheduledFuture<?> timer;
        /** Requests read whole whose answer was not written yet. */
        private int unanswered;

        RequestDeadline(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }

        /** Between requests: every answer written, and no byte read since that started a deadline. */
        boolean idle() {
            return timer == null && unanswered == 0;
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

        /** A whole request was read: its deadline is met, and its answer is awaited until written. */
        final ChannelDuplexHandler wholeRequest = new ChannelDuplexHandler() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof FullHttpRequest) {
                    stop();
                    unanswered++;
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                // Every answer passes here whole (the admin handler writes full responses); written or failed,
                // it is no longer awaited.
                if (msg instanceof LastHttpContent) {
                    ctx.write(msg, promise.unvoid()).addListener(f -> unanswered = Math.max(0, unanswered - 1));
                } else {
                    ctx.write(msg, promise);
                }
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
