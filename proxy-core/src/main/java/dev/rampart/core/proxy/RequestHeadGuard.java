package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Two guards that need the raw bytes of request heads side by side with the decoder's reading of them.
 *
 * <p><b>Obsolete line folding</b> (RFC 9112 §5.2) is refused. Netty's decoder silently joins a folded
 * line to the previous header value; another parser downstream could read the same bytes as a separate
 * header, so the proxy refuses such a request instead of guessing. A fold is a line feed followed by a
 * space or tab while a head is being read; the same two bytes are harmless inside a body.
 *
 * <p><b>Bytes behind a WebSocket upgrade request</b> are held back until the upstream has answered it.
 * Clients should wait for the 101, but some send their first frame at once (nginx forwards it). Given to
 * the decoder, those bytes would be taken for the start of a next request, and its skipping of leading
 * control characters would eat the frame. Held, they go to the tunnel after a 101 ({@link #takeHeld}),
 * or to the decoder after any other answer ({@link #resume}), where they are what they look like.
 *
 * <p>Only the decoder knows where heads end, so the guard has two parts around it:
 * {@link #beforeDecoder()} hands the decoder the raw bytes up to each LF + SP/HT pair and up to the end
 * of each head that has bytes behind it, one slice at a time, so that the decoder's output, seen
 * synchronously by {@link #afterDecoder()}, says what the bytes so far were. A request whose head held a
 * fold then carries a failed decoder result, which the request handler answers with 400 and a close.
 * Data with neither a fold nor a second message behind a head (nearly all traffic) passes untouched.
 */
final class RequestHeadGuard {

    /** The decoder is reading a request head, or waiting for the next one. */
    private boolean inHead = true;
    /** A fold was seen in the head being read; the next request head is marked failed. */
    private boolean foldSeen;
    /** The last byte handed to the decoder was a line feed (a fold may straddle two reads). */
    private boolean lastWasLineFeed;
    /** The last two bytes handed to the decoder were LF CR: a blank line may end in the next read. */
    private boolean lastWasLineFeedCr;
    /** The decoder was given bytes of a request head and has not decoded that head yet. */
    private boolean headBytesPending;
    /** Where the body being read ends, so that a head behind it in the same read is scanned too. */
    private final RequestBodyEnd body = new RequestBodyEnd();
    /** A WebSocket upgrade request was decoded and its answer has not been settled. */
    private boolean holding;
    /**
     * The upgrade request {@link #holding} is for. Requests pipelined ahead of it may be answered first (one the
     * proxy answers itself can be done before the upgrade is even taken from the decoder's queue): what is held
     * is still that upgrade's, and goes to the decoder only once the upgrade itself is answered without a 101.
     */
    private HttpRequest holdingFor;
    /** What was read behind that upgrade request, in order. */
    private final HeldUpgradeBytes held = new HeldUpgradeBytes();
    private ChannelHandlerContext scanContext;
    /** Told when bytes of a new request head reach the decoder (its head timeout may start now). */
    private Runnable headBytesArrived = () -> { };
    /** The decoder is being handed a head whose read has bytes behind it. */
    private boolean bytesBehindSlice;
    /** The last request whose head came with bytes behind it in the same read; null when none. */
    private HttpRequest headWithBytesBehind;

    /**
     * {@code arrived} runs whenever bytes of a request head reach the decoder, including a head that follows
     * the end of a body in the same read: the connection's head timeout must not wait for the next read.
     */
    void whenHeadBytesArrive(Runnable arrived) {
        this.headBytesArrived = arrived;
    }

    /**
     * {@code tooMuch} runs, instead of the connection being closed, when the client sends more than
     * {@link HeldUpgradeBytes#MAX_BYTES} behind an upgrade request before it is answered: it should answer
     * 400 and close.
     */
    void whenTooMuchIsHeld(Runnable tooMuch) {
        held.whenTooMuch(tooMuch);
    }

    ChannelInboundHandler beforeDecoder() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                scanContext = ctx;
            }

            @Override
            public void handlerRemoved(ChannelHandlerContext ctx) {
                held.release();
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf buf && buf.isReadable()) {
                    if (holding) {
                        held.add(ctx, buf);
                    } else {
                        scan(ctx, buf);
                    }
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
                    headBytesPending = false;
                    headWithBytesBehind = bytesBehindSlice ? request : null;
                    body.started(request);
                    if (foldSeen) {
                        foldSeen = false;
                        if (request.decoderResult().isSuccess()) {
                            request.setDecoderResult(DecoderResult.failure(
                                    new IllegalArgumentException("obsolete line folding in the request head")));
                        }
                    }
                    if (request.decoderResult().isSuccess() && WebSocketUpgrade.requested(request)) {
                        holding = true;
                        holdingFor = request;
                    }
                }
                if (msg instanceof LastHttpContent) {
                    inHead = true;
                    body.ended();
                } else if (msg instanceof HttpContent content) {
                    body.received(content.content().readableBytes());
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    /**
     * Whether {@code head}, the last request decoded, came with bytes behind it in the same read: for a request
     * with a body, the client sent (the start of) that body with its head, without waiting for anything.
     */
    boolean bytesCameBehind(HttpRequest head) {
        return head == headWithBytesBehind;
    }

    /**
     * Whether the decoder holds the start of a request head: a client that sent part of its next request
     * in the same read as the end of the last one. Its head timeout runs from now.
     */
    boolean headBytesPending() {
        return headBytesPending;
    }

    /** Whether bytes of a next request the client sent behind an upgrade request are held back (not empty lines). */
    boolean holdsBytes() {
        return held.holdsMoreThanLineEnds();
    }

    /** Whether the client sent more behind an upgrade request than may be held, and the rest was dropped. */
    boolean droppedHeldBytes() {
        return held.overflowed();
    }

    /**
     * {@code answered} was answered with something other than a 101 and the connection stays HTTP: when it is the
     * upgrade request what is held was read behind, that goes to the decoder as the next request. Behind any
     * other request (one pipelined ahead of the upgrade) it stays held for the upgrade's answer.
     */
    void resume(HttpRequest answered) {
        if (!holding || answered != holdingFor) {
            return;
        }
        holding = false;
        holdingFor = null;
        ByteBuf early = held.take();
        if (early != null && scanContext != null && !scanContext.isRemoved()) {
            scan(scanContext, early);
        } else if (early != null) {
            early.release();
        }
    }

    /** The upgrade was answered with a 101: what was held belongs to the tunnel. Null when nothing. */
    ByteBuf takeHeld() {
        holding = false;
        holdingFor = null;
        return held.take();
    }

    private void scan(ChannelHandlerContext ctx, ByteBuf buf) {
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        if (!inHead) {
            int bodyEnd = body.endIn(buf, start, end);
            if (bodyEnd > start && bodyEnd < end) {
                // The end of a body and bytes behind it: the body's end goes to the decoder first, and what
                // follows (the next request's head) is scanned like any head.
                cutAt(ctx, buf, start, bodyEnd, end);
                return;
            }
            // Body bytes: a fold cannot occur in them, and cutting a streamed body into slices at every
            // LF + SP/HT pair would cost a decoder pass each.
            lastWasLineFeed = buf.getByte(end - 1) == '\n';
            lastWasLineFeedCr = false;
            ctx.fireChannelRead(buf);
            return;
        }
        if (!headBytesPending) {
            // Empty lines where a request line may start (RFC 9112 §2.2: ignored) are skipped here, in one pass:
            // they start no head, so neither its timer (a connection left idle behind them ends silently at
            // the idle timeout, not with a 408 the client never asked for); and the decoder, which would skip
            // them too, takes more than max-initial-line of them in one read for a request line too long.
            int first = firstRequestByte(buf, start, end);
            if (first == end) {
                lastWasLineFeedCr = false;
                lastWasLineFeed = buf.getByte(end - 1) == '\n';
                buf.release();
                return;
            }
            if (first > start) {
                lastWasLineFeedCr = false;
                lastWasLineFeed = buf.getByte(first - 1) == '\n'; // a space or tab next is a fold, as unskipped
                buf.readerIndex(first);
                start = first;
            }
        }
        if (lastWasLineFeed && isSpaceOrTab(buf.getByte(start))) {
            foldSeen = true;
        }
        headBytesPending = true; // until the decoder makes a request of them
        try {
            headBytesArrived.run();
        } catch (RuntimeException | Error bug) {
            buf.release(); // nothing of it was passed on yet: the failure must not leak it
            throw bug;
        }
        int blankLineEnd = lastWasLineFeed ? endOfBlankLineAt(buf, start, end)
                : lastWasLineFeedCr && buf.getByte(start) == '\n' ? start + 1 : -1;
        if (blankLineEnd > 0 && blankLineEnd < end) {
            // The blank line that ends a head starts this read (the line before it ended the last one): the
            // decoder reads it alone, and what follows is a body, held, or the next head, like behind a body.
            cutAt(ctx, buf, start, blankLineEnd, end);
            return;
        }
        lastWasLineFeedCr = buf.getByte(end - 1) == '\r'
                && (end - start >= 2 ? buf.getByte(end - 2) == '\n' : lastWasLineFeed);
        lastWasLineFeed = buf.getByte(end - 1) == '\n';
        int forwarded = start;
        int from = start;
        while (from < end - 1) {
            int lf = buf.indexOf(from, end - 1, (byte) '\n'); // word-at-a-time search: bodies cost little
            if (lf < 0) {
                break;
            }
            int headEnd = endOfBlankLineAt(buf, lf + 1, end);
            if (isSpaceOrTab(buf.getByte(lf + 1))) {
                // Let the decoder see everything up to this line end; its output tells whether a head is open.
                ctx.fireChannelRead(buf.retainedSlice(forwarded, lf + 1 - forwarded));
                forwarded = lf + 1;
                if (inHead) {
                    foldSeen = true;
                }
            } else if (headEnd > 0 && headEnd < end) {
                // A head ends here and more bytes follow: let the decoder read the head alone, so that an
                // upgrade request is known before what follows it reaches the decoder.
                fireHeadWithBytesBehind(ctx, buf.retainedSlice(forwarded, headEnd - forwarded));
                forwarded = headEnd;
                if (inHead && holding) {
                    // Behind an upgrade request the bytes are held as they came: after a 101 they are the
                    // tunnel's first bytes, where a CR or an LF is data, not an empty line (resume() skips
                    // empty lines if they are read as HTTP after all).
                    headBytesPending = firstRequestByte(buf, headEnd, end) < end;
                    held.add(ctx, buf.retainedSlice(headEnd, end - headEnd));
                    buf.release();
                    return;
                }
                if (inHead) {
                    // Empty lines may follow before the next request line: skipped in one pass, as at the start
                    // of a read (taken pair by pair, each CRLF would look like another head's end).
                    forwarded = firstRequestByte(buf, headEnd, end);
                    if (forwarded == end) {
                        headBytesPending = false;
                        buf.release();
                        return;
                    }
                    if (forwarded > headEnd && buf.getByte(forwarded - 1) == '\n'
                            && isSpaceOrTab(buf.getByte(forwarded))) {
                        foldSeen = true; // as when the empty lines were read one by one: LF + SP is a fold
                    }
                }
                headBytesPending = inHead; // what follows starts the next head, unless a body comes first
                if (holding) {
                    held.add(ctx, buf.retainedSlice(forwarded, end - forwarded));
                    buf.release();
                    return;
                }
                if (!inHead) {
                    // A body follows the head: where it ends in this read, and a head behind it, are found
                    // the way a read that starts in a body finds them.
                    readOnFrom(ctx, buf, forwarded, end);
                    return;
                }
                from = forwarded; // the blank line's own line feed ended the head: not a fold
                continue;
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

    /** The decoder gets {@code buf[start, cut)} alone; then {@code buf[cut, end)} is read as behind an end. */
    private void cutAt(ChannelHandlerContext ctx, ByteBuf buf, int start, int cut, int end) {
        fireHeadWithBytesBehind(ctx, buf.retainedSlice(start, cut - start));
        readOnFrom(ctx, buf, cut, end);
    }

    /** Hands the decoder {@code slice}, the end of a head or of a body, with more bytes of the same read behind. */
    private void fireHeadWithBytesBehind(ChannelHandlerContext ctx, ByteBuf slice) {
        bytesBehindSlice = true; // a head the decoder makes of the slice is seen by afterDecoder within this call
        try {
            ctx.fireChannelRead(slice);
        } finally {
            bytesBehindSlice = false;
        }
    }

    /** Reads {@code buf[from, end)} as behind an end (unless the connection closed meanwhile) and lets go of buf. */
    private void readOnFrom(ChannelHandlerContext ctx, ByteBuf buf, int from, int end) {
        ByteBuf rest = buf.retainedSlice(from, end - from);
        buf.release();
        if (ctx.channel().isActive() && !ctx.isRemoved()) {
            readBehindEnd(ctx, rest);
        } else {
            rest.release();
        }
    }

    /**
     * The bytes behind a body's end, or behind a head's blank line: held behind an upgrade request, else
     * scanned as what the decoder now reads (a body, or the next head).
     */
    private void readBehindEnd(ChannelHandlerContext ctx, ByteBuf rest) {
        lastWasLineFeed = false; // the body's last byte is no line end of a head
        lastWasLineFeedCr = false;
        if (holding) {
            held.add(ctx, rest);
        } else {
            scan(ctx, rest);
        }
    }

    /**
     * Where the bytes after a blank line starting at {@code at} begin (CR LF or a bare LF, which the
     * decoder also accepts), or -1 when no blank line starts there.
     */
    private static int endOfBlankLineAt(ByteBuf buf, int at, int end) {
        if (at < end && buf.getByte(at) == '\n') {
            return at + 1;
        }
        if (at + 1 < end && buf.getByte(at) == '\r' && buf.getByte(at + 1) == '\n') {
            return at + 2;
        }
        return -1;
    }

    /** The first index from {@code from} that holds neither CR nor LF, or {@code end}. */
    private static int firstRequestByte(ByteBuf buf, int from, int end) {
        int i = from;
        while (i < end) {
            byte b = buf.getByte(i);
            if (b != '\r' && b != '\n') {
                return i;
            }
            i++;
        }
        return end;
    }

    private static boolean isSpaceOrTab(byte b) {
        return b == ' ' || b == '\t';
    }
}
