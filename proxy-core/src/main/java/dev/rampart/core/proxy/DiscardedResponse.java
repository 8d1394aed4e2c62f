package dev.rampart.core.proxy;

import dev.rampart.core.upstream.pool.OriginConnection;
import dev.rampart.core.upstream.pool.OriginListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Reads and drops the body of an upstream response nobody will see (a status that is retried, or an error
 * the envelope replaces), so that its connection goes back to the pool instead of being closed. Under a
 * burst of 503s, closing would cost a new connection (and a TIME_WAIT) for every retry, the upstream's
 * trouble made worse. Only short bodies are drained, and only for a little while: one larger than
 * {@link #MAX_BYTES}, or slower than {@link #TIMEOUT_NANOS}, has its connection closed after all; so
 * does one whose slot a request waits for, when the drain would start or while it runs.
 */
final class DiscardedResponse implements OriginListener {

    static final long MAX_BYTES = 64 * 1024;
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final OriginConnection conn;
    private final ScheduledFuture<?> timeout;
    private long bytes;
    private boolean done;

    private DiscardedResponse(OriginConnection conn) {
        this.conn = conn;
        this.timeout = conn.channel().eventLoop().schedule(() -> end(false), TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
    }

    /**
     * Whether the body behind {@code head} is worth draining for the connection: it is kept alive, framed
     * by a length or chunks (not by the close), and not declared longer than {@link #MAX_BYTES}.
     */
    static boolean worthDraining(HttpResponse head) {
        if (!HttpUtil.isKeepAlive(head)) {
            return false;
        }
        if (HttpUtil.isTransferEncodingChunked(head)) {
            return true; // counted as it comes
        }
        long declared = HttpUtil.getContentLength(head, -1L);
        return declared >= 0 && declared <= MAX_BYTES;
    }

    /** Takes over {@code conn}, whose response head was read and whose request was written whole. */
    static void drain(OriginConnection conn) {
        if (!conn.draining()) {
            conn.release(false); // a request waits for a connection: it gets this one's slot now
            return;
        }
        conn.passResponseTo(new DiscardedResponse(conn));
        conn.channel().read();
    }

    @Override
    public void onOriginMessage(Object msg) {
        if (done || !(msg instanceof HttpContent content)) {
            ReferenceCountUtil.release(msg);
            end(false); // done already, or not a body part: nothing is left to trust on this connection
            return;
        }
        bytes += content.content().readableBytes();
        boolean failed = content.decoderResult().isFailure();
        boolean last = content instanceof LastHttpContent;
        content.release();
        if (failed || bytes > MAX_BYTES) {
            end(false);
        } else if (last) {
            end(true);
        } else {
            conn.channel().read();
        }
    }

    @Override
    public void onOriginClosed() {
        end(false);
    }

    @Override
    public void onOriginError(Throwable cause) {
        end(false);
    }

    @Override
    public void onOriginWritabilityChanged(boolean writable) {
        // nothing is written while a response is drained
    }

    private void end(boolean reusable) {
        if (!done) {
            done = true;
            timeout.cancel(false);
            conn.release(reusable);
        }
    }
}
