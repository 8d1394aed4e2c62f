package dev.rampart.core.proxy;

import dev.rampart.core.config.ServerConfig;
import dev.rampart.core.upstream.pool.OriginConnection;
import dev.rampart.core.upstream.pool.OriginListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket connection after its 101: raw bytes spliced between the client connection and the upstream
 * connection, both stripped of their HTTP handlers. Backpressure is the same discipline as for bodies:
 * auto-read stays off and one side is read only while the other can take more. The tunnel closes when
 * either side closes or fails (the other side gets what was already sent first, as long as it keeps taking
 * it: see {@link PeerDrain}), when a write fails, or when no byte crossed in either direction for the idle
 * timeout (bytes a slow reader takes count: {@link #onIdle}). The upstream connection is closed with the
 * tunnel, never pooled.
 *
 * <p>Bytes the HTTP decoders had already buffered when they were removed (a first frame sent right behind
 * the 101, say) arrive before splicing starts; they are kept in order and written first by {@link #start}.
 * Runs on the client's event loop, which is also the upstream connection's.
 */
final class WebSocketTunnel implements OriginListener {

    private static final Logger log = LoggerFactory.getLogger(WebSocketTunnel.class);

    private final Exchange exchange;
    private final Channel client;
    private final OriginConnection origin;
    private final Channel upstream;
    private final ExchangeOutcome outcome;
    /** The server settings the tunnel started with: its idle timeout, and how its upstream side lingers. */
    private final ServerConfig server;
    private final long idleTimeoutNanos;
    /** No byte in either direction for {@code idleTimeoutNanos}: re-armed by every forwarded chunk. */
    private final LazyDeadline idle;
    private final ChannelFutureListener closeOnWriteFailure = f -> {
        if (!f.isSuccess()) {
            close("a write failed: " + f.cause());
        }
    };
    private final List<ByteBuf> earlyFromClient = new ArrayList<>(1);
    private final List<ByteBuf> earlyFromUpstream = new ArrayList<>(1);
    private boolean spliced;
    private boolean closed;

    WebSocketTunnel(Exchange exchange, Channel client, OriginConnection origin, ExchangeOutcome outcome,
                    ServerConfig server) {
        this.exchange = exchange;
        this.client = client;
        this.origin = origin;
        this.upstream = origin.channel();
        this.outcome = outcome;
        this.server = server;
        this.idleTimeoutNanos = server.idleTimeout().toNanos();
        this.idle = new LazyDeadline(client.eventLoop(), this::onIdle);
    }

    /**
     * Takes the upstream connection over and strips its HTTP codec; whatever the codec held past the 101
     * reaches {@link #onOriginMessage} at once and is kept for {@link #start}.
     */
    void attachOrigin() {
        origin.bind(this);
        origin.switchToRawBytes();
    }

    /** Both pipelines are raw now: writes what arrived early, then reads both sides. */
    void start() {
        if (closed) {
            return;
        }
        spliced = true;
        writeEarly(earlyFromUpstream, client, false);
        writeEarly(earlyFromClient, upstream, true);
        if (closed) {
            return; // a side was already gone: the write to it failed at once and ended the tunnel
        }
        idle.arm(idleTimeoutNanos);
        if (upstream.isWritable()) {
            client.read();
        }
        if (client.isWritable()) {
            upstream.read();
        }
    }

    /**
     * Writes what {@code early} holds to {@code to}, each buffer taken out of the list before it is written: a
     * write to a side already gone fails at once and ends the tunnel, whose end releases what the lists still
     * hold, and must not release again a buffer the failed write already did (an upstream that resets right
     * after its 101 would otherwise leave the exchange unfinished, its bulkhead slot taken for good).
     */
    private void writeEarly(List<ByteBuf> early, Channel to, boolean towardsUpstream) {
        while (!early.isEmpty()) {
            ByteBuf next = early.remove(0);
            if (closed) {
                next.release();
            } else {
                forward(next, to, towardsUpstream);
            }
        }
    }

    // ---- client side (called by ClientRequestHandler through the exchange's connection) -------------

    /** Something read from the client connection; the tunnel owns it. */
    void fromClient(Object msg) {
        ByteBuf data = payload(msg);
        if (data == null) {
            // The client sent bytes behind its upgrade request before the 101, and the HTTP decoder took
            // them for a request: their raw form is gone, so the conversation cannot go on intact.
            close("client data arrived before the switch and was decoded as HTTP");
            return;
        }
        relay(data, earlyFromClient, client, upstream);
    }

    void onClientWritable() {
        if (spliced && !closed) {
            upstream.read();
        }
    }

    /**
     * The client connection closed: what it sent still reaches the upstream, then that connection closes. The
     * upstream may still be sending meanwhile, and a socket closed with its bytes unread is reset, which throws
     * away what the kernel had not yet delivered of the client's last bytes (its close frame, say): so the
     * upstream's side lingers as a client's does, shut down and read to its end (see {@link LingeringClose}).
     */
    void onClientClosed() {
        if (!end()) {
            return;
        }
        PeerDrain.thenRun(upstream, idleTimeoutNanos, () -> LingeringClose.close(upstream, server, true),
                outcome.requestId());
        exchange.onTunnelClosed();
    }

    // ---- upstream side -------------------------------------------------------------------------------

    @Override
    public void onOriginMessage(Object msg) {
        ByteBuf data = payload(msg);
        if (data == null) {
            close("the upstream sent an HTTP message after switching protocols");
            return;
        }
        relay(data, earlyFromUpstream, upstream, client);
    }

    @Override
    public void onOriginWritabilityChanged(boolean writable) {
        if (writable && spliced && !closed) {
            client.read();
        }
    }

    @Override
    public void onOriginClosed() {
        upstreamEnded();
    }

    @Override
    public void onOriginError(Throwable cause) {
        if (ResourceShortage.isMemory(cause)) {
            // No buffer for what the upstream sent: the proxy's shortage, not the upstream's end, told and logged
            // as for a response (a WARN, UPSTREAM_OVERLOADED with the 101); the exchange closes both sides.
            exchange.onInternalError(cause);
            return;
        }
        log.debug("request {}: upstream side of the WebSocket tunnel failed", outcome.requestId(), cause);
        upstreamEnded();
    }

    /** The upstream closed or reset: the client gets what was already sent, then its connection closes. */
    private void upstreamEnded() {
        if (!end()) {
            return;
        }
        origin.release(false);
        PeerDrain.thenRun(client, idleTimeoutNanos, exchange::onTunnelClosed, outcome.requestId());
    }

    /** The upstream connection's channel: for tests that plant a failure on the tunnel's upstream side. */
    Channel upstreamChannel() {
        return upstream;
    }

    // ---- both ------------------------------------------------------------------------------------------

    /** Closes both sides at once (idle, a failed write, a protocol violation); the exchange closes the client. */
    private void close(String why) {
        if (!end()) {
            return;
        }
        log.debug("request {}: closing the WebSocket tunnel: {}", outcome.requestId(), why);
        origin.release(false);
        exchange.onTunnelClosed();
    }

    /**
     * The exchange is cut from the proxy's side (a failure inside the proxy while the tunnel relays, such as a client
     * read that could get no buffer): the upstream side closes at once, never pooled, and the exchange cuts the
     * client's. Left open, that connection would wait on a tunnel nobody serves any more until the idle timeout or
     * its next byte, holding the upstream's resources (a connection, a process) all that while.
     */
    void closeUpstreamSide(String why) {
        if (!end()) {
            return;
        }
        log.debug("request {}: closing the upstream side of the WebSocket tunnel: {}", outcome.requestId(), why);
        origin.release(false);
    }

    /**
     * Nothing was read from either side for the idle timeout. Bytes may have crossed all the same: a peer
     * that reads slowly but steadily takes what the kernel holds for it while the tunnel, held back by
     * that peer, reads nothing new from the other side. The kernel knows when it last sent data to each
     * peer (TCP_INFO, on the io_uring and epoll transports); a tunnel that sent some within the timeout is
     * busy, not idle.
     * A peer that reads nothing at all gets no data (a zero window), so its tunnel still closes.
     */
    private void onIdle() {
        long quietNanos = Math.min(KernelTcpInfo.nanosSinceDataSent(client), KernelTcpInfo.nanosSinceDataSent(upstream));
        if (quietNanos < idleTimeoutNanos) {
            idle.arm(idleTimeoutNanos - quietNanos);
            return;
        }
        close("no byte in either direction for " + TimeUnit.NANOSECONDS.toMillis(idleTimeoutNanos) + " ms");
    }

    /** Marks the tunnel closed and releases what it holds; false when it already was. */
    private boolean end() {
        if (closed) {
            return false;
        }
        closed = true;
        idle.cancel();
        earlyFromClient.forEach(ByteBuf::release);
        earlyFromUpstream.forEach(ByteBuf::release);
        earlyFromClient.clear();
        earlyFromUpstream.clear();
        return true;
    }

    /**
     * Bytes read from {@code from}: dropped once closed, kept in {@code early} until the splice, then
     * written to {@code to}; {@code from} is read again only while {@code to} can take more, which is the
     * tunnel's backpressure in that direction.
     */
    private void relay(ByteBuf data, List<ByteBuf> early, Channel from, Channel to) {
        if (closed) {
            data.release();
        } else if (!spliced) {
            keep(early, data);
        } else {
            forward(data, to, to == upstream);
            if (to.isWritable()) {
                from.read();
            }
        }
    }

    private void forward(ByteBuf data, Channel to, boolean towardsUpstream) {
        int n = data.readableBytes();
        if (n == 0) {
            data.release();
            return;
        }
        idle.arm(idleTimeoutNanos);
        if (towardsUpstream) {
            outcome.addBytesIn(n);
        } else {
            outcome.addBytesOut(n);
        }
        to.writeAndFlush(data).addListener(closeOnWriteFailure);
    }

    private static void keep(List<ByteBuf> early, ByteBuf data) {
        if (data.isReadable()) {
            early.add(data);
        } else {
            data.release();
        }
    }

    /**
     * The bytes of a message read after the switch: a buffer as it is, or the content of an HTTP chunk a
     * decoder produced before it was removed (its buffer shares the chunk's reference count). Null, with
     * the message released, for an HTTP head, whose raw bytes cannot be recovered.
     */
    private static ByteBuf payload(Object msg) {
        if (msg instanceof HttpMessage) {
            ReferenceCountUtil.release(msg);
            return null;
        }
        if (msg instanceof ByteBuf buf) {
            return buf;
        }
        if (msg instanceof HttpContent content) {
            return content.content();
        }
        ReferenceCountUtil.release(msg);
        return null;
    }
}
