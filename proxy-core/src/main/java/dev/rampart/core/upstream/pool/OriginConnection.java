package dev.rampart.core.upstream.pool;

import dev.rampart.core.bytes.HeldParts;
import dev.rampart.core.bytes.ReadBufferFallback;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One pooled upstream connection, and the last handler of its pipeline. While borrowed, everything the
 * connection sees goes to the bound {@link OriginListener}; while idle in the pool, any data or error
 * means the connection is no longer clean and it is closed.
 */
public final class OriginConnection extends ChannelInboundHandlerAdapter {

    private final EndpointPool pool;
    private Channel channel;
    private OriginListener listener;
    private long requests;
    private boolean rawBytes;
    /** When the connection was established, on the pool's ticker. */
    private long openedNanos;
    /** How long its TCP connect took as its event loop saw it, the name's resolution and TLS left out. */
    private long connectNanos;
    /** A round trip to its endpoint: see {@link #roundTripNanos()}. */
    private long roundTripNanos;
    /** When it last went back to the pool, on the pool's ticker. */
    private long parkedNanos;
    /** How long it sat in the pool before the request it carries now: 0 for a fresh one or one handed on. */
    private long idleBeforeUseNanos;
    /** Closed by the proxy while parked (its pool-idle-timeout, stray bytes), not by the upstream. */
    private boolean closedByProxyWhileIdle;
    /** This connection's HTTP codec, kept so that each release need not look it up in the pipeline. */
    private OriginHttpCodec codec;
    /** Request-body parts held for {@link #flushHeld}, to leave as one chunk; created with the first. */
    private HeldParts heldBody;

    OriginConnection(EndpointPool pool) {
        this.pool = pool;
    }

    void useCodec(OriginHttpCodec httpCodec) {
        this.codec = httpCodec;
    }

    boolean isRawBytes() {
        return rawBytes;
    }

    /**
     * The connection is established: at {@code nanos}, its TCP connect having taken {@code tookNanos} as the event
     * loop saw it, and the kernel having timed the handshake at {@code kernelRoundTripNanos} (0: unknown).
     */
    void opened(long nanos, long tookNanos, long kernelRoundTripNanos) {
        this.openedNanos = nanos;
        this.connectNanos = tookNanos;
        this.roundTripNanos = roundTrip(tookNanos, kernelRoundTripNanos);
    }

    /**
     * The round trip to the endpoint from the connect's two measures: the lesser, as each only ever overstates it.
     * The event loop's time includes its own delays (a busy or collecting process timed loopback connects at 150 ms);
     * the kernel's has none, and is the only one the kernel has when it can be read (not on NIO).
     */
    static long roundTrip(long connectNanos, long kernelRoundTripNanos) {
        return kernelRoundTripNanos > 0 ? Math.min(connectNanos, kernelRoundTripNanos) : connectNanos;
    }

    /** How long the connection's TCP connect took as its event loop saw it (a round trip, and that loop's delays). */
    public long connectNanos() {
        return connectNanos;
    }

    /**
     * A round trip to the connection's endpoint, measured as it connected: the kernel's timing of the handshake
     * (TCP_INFO on io_uring and epoll), or the connect's time where the kernel cannot be asked (NIO). Measured
     * once per connection: by the time a request needs it, the connection has often been closed.
     */
    public long roundTripNanos() {
        return roundTripNanos;
    }

    long openedNanos() {
        return openedNanos;
    }

    void parked(long nanos) {
        parkedNanos = nanos;
    }

    /**
     * Whether the connection has sat in the pool, since {@code parked}, for longer than its upstream said it keeps
     * an idle connection (see {@link KeepAliveHint}): it may be closing it right now.
     */
    boolean idlePastUpstreamHint(long nanos) {
        return codec != null && idleNanos(nanos) >= codec.reusableIdleNanos();
    }

    /** How long the connection has sat in the pool since {@code parked}, at {@code nanos}. */
    long idleNanos(long nanos) {
        return nanos - parkedNanos;
    }

    /** Whether the proxy closed the connection while it sat in the pool, rather than the upstream. */
    boolean closedByProxyWhileIdle() {
        return closedByProxyWhileIdle || codec != null && codec.closedOnUnaskedBytes();
    }

    void unparked(long nanos) {
        idleBeforeUseNanos = idleNanos(nanos);
    }

    /**
     * How long the connection sat idle in the pool before the request it carries now was given it; 0 for a fresh
     * connection or one handed from a request to a waiting one.
     */
    public long idleBeforeUseNanos() {
        return idleBeforeUseNanos;
    }

    public Channel channel() {
        return channel;
    }

    /** How many requests this connection carried, including the current one; 1 means it is fresh. */
    public long requests() {
        return requests;
    }

    /** Whether any byte of a response to the current request came back, even an incomplete head. */
    public boolean responseBytesSeen() {
        return codec != null && codec.responseBytesSeen();
    }

    /** Routes the connection's events to {@code newListener} until {@link #release(boolean)}. */
    public void bind(OriginListener newListener) {
        this.listener = newListener;
        requests++;
    }

    /**
     * Routes the rest of the current response to {@code drainer} until {@link #release(boolean)}: the same request
     * still, so it does not count toward {@code pool-max-requests-per-connection} as {@link #bind} does (a connection
     * whose responses were drained would otherwise be retired after half its requests).
     */
    public void passResponseTo(OriginListener drainer) {
        this.listener = drainer;
    }

    /**
     * Holds a request-body chunk that is not the last, which the connection then owns, for {@link #flushHeld}:
     * the chunks held until then (those of one read from the client) leave as one chunk, re-chunked as a
     * response's parts are. An upload of many small chunks then costs the upstream one chunk to parse per read
     * from the client, not one per chunk the client sent: a million one-byte chunks reached a Python upstream
     * as 112 chunks, in 0.5 s, where they took 3.4 s through the proxy before (and 3.0 s sent to it directly).
     */
    public void holdBody(HttpContent chunk) {
        if (heldBody == null) {
            heldBody = new HeldParts(channel.alloc());
        }
        heldBody.add(chunk.content());
    }

    /** Writes {@code msg}, which the connection then owns, after the body chunks held, and flushes both. */
    public void writeAndFlush(Object msg) {
        writeHeldBody();
        channel.write(msg, channel.voidPromise());
        channel.flush();
    }

    /** Writes and flushes the body chunks {@link #holdBody} held, if any. */
    public void flushHeld() {
        if (writeHeldBody()) {
            channel.flush();
        }
    }

    /** Writes the held body parts as one chunk, unflushed; false when none was held. */
    private boolean writeHeldBody() {
        ByteBuf parts = heldBody == null ? null : heldBody.take();
        if (parts == null) {
            return false;
        }
        channel.write(new DefaultHttpContent(parts), channel.voidPromise());
        return true;
    }

    /** Releases body parts held when their attempt ended before the read that brought them was handled. */
    private void dropHeldBody() {
        if (heldBody != null) {
            heldBody.release();
        }
    }

    /**
     * Gives the connection back. {@code reusable} must be true only after a complete response to a
     * completely written request with no {@code Connection: close}; anything else closes it.
     */
    public void release(boolean reusable) {
        listener = null;
        boolean bodyLeftUnsent = heldBody != null && !heldBody.isEmpty();
        dropHeldBody(); // its request was not sent whole: the connection cannot be reused
        pool.release(this, reusable && !bodyLeftUnsent && !rawBytes && !heldBytesPastResponse());
    }

    /**
     * Whether the response's body may be read to its end for the connection's sake (its request has moved
     * on): not when a request waits for a connection, which gets this one's slot instead, then or later
     * (see {@link EndpointPool#draining}).
     */
    public boolean draining() {
        return pool.draining(this);
    }

    /** Bytes past the end of the response (held, or still to come), which the next request would read as its own. */
    private boolean heldBytesPastResponse() {
        return codec.responseEndInDoubt();
    }

    /**
     * After a 101: the HTTP codec and the pool's idle watch leave the pipeline, and the connection carries
     * raw bytes until it closes; it never goes back to the pool. Bytes the codec held past the 101 reach
     * the bound listener at once, as buffers.
     */
    public void switchToRawBytes() {
        if (writeHeldBody()) {
            channel.flush(); // the end of the upgrade request's body, while the codec still frames it
        }
        rawBytes = true;
        pool.detach(this);
        // A tunnel has no early answer to wait for after a failed write (see OriginPools' AUTO_CLOSE): it ends
        // both sides then, and the connection closes at once, as Netty does by default.
        channel.config().setAutoClose(true);
        ChannelPipeline p = channel.pipeline();
        p.remove(OriginPipeline.IDLE);
        p.remove(OriginPipeline.HTTP);
    }

    boolean isBound() {
        return listener != null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        OriginListener current = listener;
        if (current != null) {
            current.onOriginMessage(msg);
        } else {
            // Bytes on an idle connection: a late or unsolicited response. It can never be reused safely.
            ReferenceCountUtil.release(msg);
            closedByProxyWhileIdle = true;
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        OriginListener current = listener;
        if (current != null) {
            current.onOriginReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropHeldBody();
        OriginListener current = listener;
        if (current != null) {
            current.onOriginClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        OriginListener current = listener;
        if (current != null) {
            current.onOriginError(cause);
        }
        if (current == null || ReadBufferFallback.isOutOfMemory(cause)) {
            // No buffer for a read: what the upstream sent is lost, so the connection can never be used again.
            ctx.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        OriginListener current = listener;
        if (current != null) {
            current.onOriginWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && listener == null) {
            closedByProxyWhileIdle = true;
            ctx.close(); // pool-idle-timeout passed while parked in the pool
            return;
        }
        if (evt instanceof SslCloseCompletionEvent) {
            // The upstream's TLS close_notify: it sends nothing more (RFC 8446 §6.1), whether or not it closes
            // TCP too. Closing here ends a close-delimited body (RFC 9112 §9.8), cuts one that was declared
            // longer, and keeps the connection out of the pool, where it could carry no next request.
            ctx.close();
            return;
        }
        ReferenceCountUtil.release(evt);
    }
}
