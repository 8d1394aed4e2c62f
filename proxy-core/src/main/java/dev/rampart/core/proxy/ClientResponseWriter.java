package dev.rampart.core.proxy;

import dev.rampart.core.bytes.GzipEncoder;
import dev.rampart.core.bytes.HeldParts;
import dev.rampart.core.errors.ErrorContext;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.routing.Route;
import dev.rampart.core.upstream.Upstream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Writes one exchange's answer to the client: an upstream response relayed as it arrives (its head framed
 * for this client, then its content), a 101 that turns the exchange into a tunnel, or the error envelope
 * the exchange ends with. It exists so that the {@link Exchange} decides what the client gets, while the
 * framing, the byte counts and whether the connection survives the response are settled here. Knows
 * whether anything reached the client yet, the fact that ends every chance of a retry.
 */
final class ClientResponseWriter {

    /** Logs under the exchange's name: it reports on the exchange, and log filters are set by that name. */
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private final ClientRequestHandler client;
    private final ChannelHandlerContext ctx;
    private final ProxySnapshot snapshot;
    private final HttpRequest request;
    private final ExchangeOutcome outcome;
    private final Route route;
    private final Upstream upstream;
    private boolean responseStarted;
    private boolean responseWritten;
    private boolean closeClientAfterResponse;
    private boolean clientHalfClosed;
    /** The body parts of the upstream read being handled, written once it is (see {@link #relayContent}). */
    private final HeldParts held;
    /** The headers of the upstream response being relayed: its Connection names hold for its trailers too. */
    private HttpHeaders relayedHead;
    /** Compresses the relayed body when the route and the client ask for it; null when it goes as it is. */
    private GzipEncoder gzip;

    ClientResponseWriter(ClientRequestHandler client, ChannelHandlerContext ctx, ProxySnapshot snapshot,
                         HttpRequest request, ExchangeOutcome outcome, Route route, Upstream upstream) {
        this.client = client;
        this.ctx = ctx;
        this.snapshot = snapshot;
        this.request = request;
        this.outcome = outcome;
        this.route = route;
        this.upstream = upstream;
        this.held = new HeldParts(ctx.alloc());
    }

    /** Whether anything of the response was written (or is being written) to the client. */
    boolean responseStarted() {
        return responseStarted;
    }

    /**
     * Whether the whole response was written to the client connection: what is left is its write, which
     * completes once the transport has sent it (on io_uring, never within the call that wrote it), or a client
     * that does not take it, which {@code server.idle-timeout} ends.
     */
    boolean responseWritten() {
        return responseWritten;
    }

    /** The client connection closes after this response, whatever the request asked for. */
    void closeClientAfterResponse() {
        closeClientAfterResponse = true;
    }

    boolean closesClientAfterResponse() {
        return closeClientAfterResponse;
    }

    /**
     * The client shut its sending side while its response was under way: the response is finished and the
     * connection closed after it. Such a client is most often gone (a browser tab closed, a front proxy whose own
     * client left), so the upstream is not blamed for what the response then lacks (see {@link RouteDeadline}).
     */
    void clientHalfClosed() {
        clientHalfClosed = true;
        closeClientAfterResponse = true;
    }

    boolean clientHasHalfClosed() {
        return clientHalfClosed;
    }

    // ---- response relay ---------------------------------------------------------------------------

    /**
     * Starts relaying an upstream response: its head, with the framing this client understands. Returns null, or
     * the out-of-memory failure of a head that found no direct memory to be encoded into: nothing of it went out,
     * the response has not started, and the client can still be answered (503 {@code UPSTREAM_OVERLOADED}, whose
     * bytes may find room where the head's did not, as others' buffers come back). Written with the void promise
     * like the rest, such a head's failure ended the exchange from inside the write as a response cut after its
     * head: a closed connection with no answer, recorded with the upstream's status, which never went out.
     */
    Throwable writeHead(HttpResponse response, boolean requestBodyComplete) {
        boolean closeBefore = closeClientAfterResponse;
        int status = response.status().code();
        gzip = ResponseCompression.begin(route.config().compression(), request, response, ctx.alloc(),
                snapshot.compressions(), snapshot.config().server().maxCompressedResponses());
        boolean needsFraming = !request.method().equals(HttpMethod.HEAD) && status != 204 && status != 304
                && !response.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
        // HTTP/1.0 clients do not understand chunked: such a body is delimited by closing the connection.
        boolean chunked = needsFraming && request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        if (needsFraming && !chunked) {
            closeClientAfterResponse = true;
        }
        boolean keepAlive = !closeClientAfterResponse && client.answers().keepAliveAfter(request, requestBodyComplete);
        closeClientAfterResponse = !keepAlive;
        HttpResponse head = ForwardedHeaders.clientResponse(response, snapshot.requestIdHeader(), outcome.requestId(),
                chunked, ClientResponder.Keep.of(keepAlive, request.protocolVersion()), snapshot.keepAliveHint());
        CorsHeaders.applyToRelayed(route.config().cors(), request.headers(), head.headers());
        RouteHeaders.applyToResponse(route.config().responseHeaders(), head.headers());
        ChannelPromise written = ctx.newPromise();
        ctx.write(head, written); // encoded at once, on this event loop: a failure to encode is known on return
        if (written.isDone() && !written.isSuccess() && ResourceShortage.isMemory(written.cause())) {
            closeClientAfterResponse = closeBefore;
            if (gzip != null) {
                gzip.close();
                gzip = null;
            }
            return written.cause();
        }
        written.addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE); // as the void promise did
        relayedHead = response.headers();
        responseStarted = true;
        outcome.status(status);
        // Flushed with the batch even when no body follows in it: an event stream or a long poll sends its
        // head long before its first bytes, and the client must see it then. A body read in the same batch
        // (nearly always) leaves with the head in one flush.
        FlushBatch.flushSoon(ctx.channel());
        return null;
    }

    /**
     * Passes on an upstream's 1xx (103 Early Hints, say) with its end-to-end headers. A proxy forwards them
     * (RFC 9110 §15.2) except to an HTTP/1.0 client, which does not know them, and never once the final
     * response has started.
     */
    void writeInformational(HttpResponse interim) {
        if (responseStarted || !request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                || interimWritten >= MAX_INTERIM_RESPONSES) {
            return;
        }
        interimWritten++;
        HttpResponse relayed = ForwardedHeaders.interimResponse(interim);
        RouteHeaders.applyRemovals(route.config().responseHeaders(), relayed.headers());
        FlushBatch.writeAndFlushSoon(ctx, relayed);
    }

    /**
     * At most this many interim responses are passed on per request; the rest are dropped. An upstream
     * may send 1xx without end and nothing paces them, so relaying every one would queue them without
     * bound for a client that does not read (the per-try timeout still ends such an attempt).
     */
    static final int MAX_INTERIM_RESPONSES = 8;

    private int interimWritten;

    boolean clientWritable() {
        return ctx.channel().isWritable();
    }

    /**
     * Relays one part of the body: held until its upstream read is handled ({@link #flushRelayed}), then
     * written with the other parts of that read as one chunk and flushed. A chunked body of many small chunks
     * (a stream of events or JSON lines, a server that flushes every few bytes) then costs one chunk and one
     * write per read, not one per chunk: a million one-byte chunks took 6.8–8.5 s written one by one,
     * 0.9–1.2 s flushed per read and 0.32–0.39 s as one chunk per read (nginx: 0.13–0.15 s; it too re-chunks
     * what it read). Copying all the parts into one buffer measured no faster than keeping them side by side
     * in a composite buffer, which large parts still are; small ones are copied together (see {@link HeldParts}).
     */
    void relayContent(HttpContent content) {
        held.add(content.content());
    }

    /**
     * Writes and flushes what the upstream read just handled brought. Flushed at the end of the read, not
     * with the loop's batch: a streamed body keeps the client's socket busy, where a flush deferred to the
     * batch's end let the outbound buffer fill, stop the upstream reads and cost a round of the loop per
     * chunk (1 MiB GETs: ×0.95).
     */
    void flushRelayed() {
        if (!held.isEmpty()) {
            writeHeld();
            ctx.flush();
        }
    }

    /** Writes the body parts held for the end of their read, without flushing them. */
    void writeHeld() {
        ByteBuf parts = held.take();
        if (parts != null) {
            if (gzip != null) {
                ByteBuf plain = parts;
                try {
                    parts = gzip.compress(plain);
                } finally {
                    plain.release();
                }
            }
            outcome.addBytesOut(parts.readableBytes());
            ctx.write(new DefaultHttpContent(parts), ctx.voidPromise());
        }
    }

    /**
     * Releases body parts still held when the exchange ends without writing them (the client went away), and
     * the compressor's memory.
     */
    void releaseHeld() {
        held.release();
        if (gzip != null) {
            gzip.close();
        }
    }

    /** The end of the relayed response; the returned future completes once the client has it. */
    ChannelFuture relayLast(LastHttpContent last) {
        responseWritten = true;
        if (gzip != null) {
            last = endCompressed(last);
        }
        writeHeld();
        outcome.addBytesOut(last.content().readableBytes());
        TrailerFields.dropForbiddenResponseTrailers(last.trailingHeaders(), snapshot.requestIdHeader(), relayedHead);
        RouteHeaders.dropFromResponseTrailers(route.config().responseHeaders(), last.trailingHeaders());
        return FlushBatch.writeAndFlushSoon(ctx, last);
    }

    /**
     * Writes the compressed body's end (what the compressor holds and the gzip trailer), the last part's own
     * bytes compressed before it; returns the last part with its trailers (a digest of the upstream's bytes
     * aside) and no bytes.
     *
     * <p>The last part's bytes pass to {@link #held} before anything that can fail for want of memory (the
     * compressor's output), so they have one owner whatever happens: kept by the last part as well, they were
     * released only once the compression worked, and leaked when it did not.
     */
    private LastHttpContent endCompressed(LastHttpContent last) {
        LastHttpContent trailersOnly = last.replace(Unpooled.EMPTY_BUFFER);
        ByteBuf lastBytes = last.content();
        if (lastBytes.isReadable()) {
            held.add(lastBytes);
        } else {
            lastBytes.release();
        }
        ResponseCompression.dropDigests(trailersOnly.trailingHeaders());
        writeHeld();
        ByteBuf end = gzip.finish();
        gzip = null;
        outcome.addBytesOut(end.readableBytes());
        ctx.write(new DefaultHttpContent(end), ctx.voidPromise());
        return trailersOnly;
    }

    /** Writes the upstream's 101; everything after it on the connection belongs to the tunnel. */
    void writeSwitchingProtocols(HttpResponse response) {
        responseStarted = true;
        closeClientAfterResponse = true;
        outcome.status(101);
        // Encoded at once, while the client codec is still in place.
        HttpResponse switching = WebSocketUpgrade.switchingResponse(response, snapshot.requestIdHeader(),
                outcome.requestId());
        RouteHeaders.applyRemovals(route.config().responseHeaders(), switching.headers());
        ctx.write(switching, ctx.voidPromise());
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
    }

    // ---- error envelopes ----------------------------------------------------------------------------

    /**
     * Answers with the envelope of {@code reason}.
     *
     * @param lastFailure the last attempt's failure in words, logged with the answer; null when none
     */
    ChannelFuture fail(Reason reason, long retryAfterSeconds, String lastFailure, boolean requestBodyComplete) {
        ErrorContext error = new ErrorContext(reason, reason.status(), outcome.requestId(), route.name(),
                upstream.name(), outcome.attempts(),
                retryAfterSeconds > 0 ? OptionalLong.of(retryAfterSeconds) : OptionalLong.empty(),
                OptionalInt.empty(), null);
        return sendError(error, lastFailure, requestBodyComplete, List.of());
    }

    /** Answers with the envelope of an upstream error status whose own body is not passed on. */
    ChannelFuture failUpstream(int status, long retryAfterSeconds, String lastFailure, boolean requestBodyComplete,
                               List<Map.Entry<String, String>> kept) {
        ErrorContext error = new ErrorContext(Reason.UPSTREAM_ERROR, status, outcome.requestId(), route.name(),
                upstream.name(), outcome.attempts(),
                retryAfterSeconds >= 0 ? OptionalLong.of(retryAfterSeconds) : OptionalLong.empty(),
                OptionalInt.of(status), null);
        return sendError(error, lastFailure, requestBodyComplete, kept);
    }

    private ChannelFuture sendError(ErrorContext error, String lastFailure, boolean requestBodyComplete,
                                    List<Map.Entry<String, String>> kept) {
        if (lastFailure != null) {
            // The internals (addresses, exception text) go to the log once, never to the client.
            log.info("request {} answered {} {} after {} attempt(s); last failure: {}", outcome.requestId(),
                    error.status(), error.reason(), outcome.attempts(), lastFailure);
        }
        responseStarted = true;
        responseWritten = true;
        outcome.error(error.status(), error.reason().name());
        // A connection that closes after this answer says so (Connection: close), whatever its request was.
        // Decided now, with the body unfinished, the close holds even if the rest of the body comes in before
        // the answer has left (in the same batch of reads): the client was told, and waits for the close.
        if (!requestBodyComplete) {
            closeClientAfterResponse = true;
        }
        List<Map.Entry<String, String>> cors = CorsHeaders.forResponse(route.config().cors(), request.headers());
        List<Map.Entry<String, String>> upstreamKept = CorsHeaders.withoutUpstreamAnswer(route.config().cors(), kept);
        return client.answers().writeError(snapshot, request, outcome, error,
                !closeClientAfterResponse, cors.isEmpty() ? upstreamKept : concat(upstreamKept, cors));
    }

    private static List<Map.Entry<String, String>> concat(List<Map.Entry<String, String>> a,
                                                          List<Map.Entry<String, String>> b) {
        List<Map.Entry<String, String>> both = new java.util.ArrayList<>(a);
        both.addAll(b);
        return both;
    }
}
