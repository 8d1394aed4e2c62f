package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * On a TLS listener, the first bytes a client sends say whether it speaks TLS. One that sends a plain HTTP
 * request instead (an {@code http://} URL for an {@code https://} port, the commonest mistake of all) had
 * its connection closed without a word, and left no trace in any log. As nginx does ("The plain HTTP
 * request was sent to HTTPS port"), it is answered instead: the TLS handlers step aside, the request is
 * read as HTTP, marked as failed, and so refused with 400 {@code BAD_REQUEST} and a close, logged like any
 * malformed request. Stands in front of the TLS handler, whose handshake timeout keeps running meanwhile,
 * and leaves the pipeline after the first bytes. The handshake timeout bounded the connection until a
 * request could start; for plain bytes the refusal keeps a bound until a request head is read, so that a
 * client sending only empty lines (which start no request, nor its head timer) is not held for the whole
 * idle timeout. Twice the head timeout: a head begun within the first one still gets its own 408 first.
 */
final class PlainHttpOnTlsPort extends ByteToMessageDecoder {

    /** A TLS record header: what {@link SslHandler#isEncrypted} needs to see. */
    private static final int RECORD_HEADER = 5;

    private final String tlsHandler;
    private final String tlsCloseHandler;
    private final String httpDecoder;
    private final long headTimeoutNanos;

    /**
     * The names of the TLS handlers to remove and of the HTTP decoder whose first request to mark, and how
     * long a client that sent plain bytes has to send a request head ({@code request-header-timeout}).
     */
    PlainHttpOnTlsPort(String tlsHandler, String tlsCloseHandler, String httpDecoder, long headTimeoutNanos) {
        this.tlsHandler = tlsHandler;
        this.tlsCloseHandler = tlsCloseHandler;
        this.httpDecoder = httpDecoder;
        this.headTimeoutNanos = headTimeoutNanos;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < RECORD_HEADER) {
            return;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        // SSLv2-compatible hellos count as TLS too: they get the TLS handler's alert, as before, not an HTTP 400.
        if (!SslHandler.isEncrypted(in, true)) {
            // The close handler first: the TLS handler, removed before its handshake, reports the TLS session
            // as closed, which the close handler would take for the client's end of input.
            pipeline.remove(tlsCloseHandler);
            pipeline.remove(tlsHandler);
            long twice = headTimeoutNanos > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * headTimeoutNanos;
            pipeline.addAfter(httpDecoder, "plain-http-refusal", new Refusal(twice));
        }
        // What was read so far goes on to the next handler as this one leaves.
        pipeline.remove(this);
    }

    /**
     * Marks the first request read as plain HTTP as failed, which refuses it; then steps aside. Closes the
     * connection when no request head has come within the head timeout.
     */
    private static final class Refusal extends ChannelInboundHandlerAdapter {
        private final long deadlineNanos;
        private ScheduledFuture<?> headDeadline;

        Refusal(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            headDeadline = ctx.executor().schedule(() -> ctx.close(), deadlineNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            headDeadline.cancel(false);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                if (request.decoderResult().isSuccess()) {
                    request.setDecoderResult(DecoderResult.failure(new NotTls()));
                }
                ctx.pipeline().remove(this);
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Why the request was refused; never thrown. */
    static final class NotTls extends Exception {
        NotTls() {
            super("a plain HTTP request was sent to the TLS listener", null, false, false);
        }
    }
}
