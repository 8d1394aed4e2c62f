package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Refuses obsolete line folding (RFC 9112 §5.2) in request heads. Netty's decoder silently joins a
 * folded line to the previous header value; another parser downstream could read the same bytes as a
 * separate header, so the proxy refuses such a request instead of guessing.
 *
 * <p>A fold is a line feed followed by a space or tab while a head is being read; the same two bytes
 * are harmless inside a body. Only the decoder knows where heads end, so this guard has two parts
 * around it: {@link #beforeDecoder()} finds every LF + SP/HT pair in the raw bytes and hands the decoder
 * everything up to that LF first, so that the decoder's output, seen synchronously by
 * {@link #afterDecoder()}, says whether it is inside a head at that point. The request whose head held a
 * fold then carries a failed decoder result, which the request handler answers with 400 and a close.
 * Data without any LF + SP/HT pair — nearly all traffic — passes through untouched.
 */
final class LineFoldingGuard {

    /** The decoder is reading a request head, or waiting for the next one. */
    private boolean inHead = true;
    /** A fold was seen in the head being read; the next request head is marked failed. */
    private boolean foldSeen;
    /** The last byte handed to the decoder was a line feed (a fold may straddle two reads). */
    private boolean lastWasLineFeed;

    ChannelInboundHandler beforeDecoder() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf buf && buf.isReadable()) {
                    scan(ctx, buf);
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
        };
    }

    ChannelInboundHandler afterDecoder() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request) {
                    inHead = false;
                    if (foldSeen) {
                        foldSeen = false;
                        if (request.decoderResult().isSuccess()) {
                            request.setDecoderResult(DecoderResult.failure(
                                    new IllegalArgumentException("obsolete line folding in the request head")));
                        }
                    }
                }
                if (msg instanceof LastHttpContent) {
                    inHead = true;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    private void scan(ChannelHandlerContext ctx, ByteBuf buf) {
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        if (!inHead) {
            // Body bytes: a fold cannot occur in them, and cutting a streamed body into slices at every
            // LF + SP/HT pair would cost a decoder pass each. The head of a request pipelined in the
            // same read as the end of this body is not scanned; the decoder still parses it strictly.
            lastWasLineFeed = buf.getByte(end - 1) == '\n';
            ctx.fireChannelRead(buf);
            return;
        }
        if (lastWasLineFeed && isSpaceOrTab(buf.getByte(start)) && inHead) {
            foldSeen = true;
        }
        lastWasLineFeed = buf.getByte(end - 1) == '\n';
        int forwarded = start;
        int from = start;
        while (from < end - 1) {
            int lf = buf.indexOf(from, end - 1, (byte) '\n'); // word-at-a-time search: bodies cost little
            if (lf < 0) {
                break;
            }
            if (isSpaceOrTab(buf.getByte(lf + 1))) {
                // Let the decoder see everything up to this line end; its output tells whether a head is open.
                ctx.fireChannelRead(buf.retainedSlice(forwarded, lf + 1 - forwarded));
                forwarded = lf + 1;
                if (inHead) {
                    foldSeen = true;
                }
            }
            from = lf + 1;
        }
        if (forwarded == start) {
            ctx.fireChannelRead(buf);
            return;
        }
        try {
            if (forwarded < end && ctx.channel().isActive()) {
                ctx.fireChannelRead(buf.retainedSlice(forwarded, end - forwarded));
            }
        } finally {
            buf.release();
        }
    }

    private static boolean isSpaceOrTab(byte b) {
        return b == ' ' || b == '\t';
    }
}
