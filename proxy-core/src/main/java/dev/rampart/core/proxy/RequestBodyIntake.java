package dev.rampart.core.proxy;

import dev.rampart.core.errors.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The client's request body on its way in, for one {@link Exchange}: each chunk goes to the attempt in
 * progress, into the replay buffer, or is held for the next attempt, and more is read from the client only
 * when there is somewhere for it to go. It answers the client's {@code Expect: 100-continue} before the
 * first read, enforces {@code max-request-body}, and, for a body read in full before the first attempt
 * (see {@link RequestBody#readFirst}), starts that attempt once the last chunk is in. The client's side of the
 * body reaches it directly (its chunks, the end of each read, a broken framing, a stall past
 * {@code request-body-timeout}), so that the exchange keeps the lifecycle while the body's rules live here.
 */
final class RequestBodyIntake {

    private final Exchange exchange;
    private final ClientRequestHandler client;
    private final ChannelHandlerContext ctx;
    private final ProxySnapshot snapshot;
    private final HttpRequest request;
    private final ExchangeOutcome outcome;
    private final RequestBody body;
    private final AttemptLoop attempts;
    private final ClientResponseWriter clientResponse;
    private boolean continueSent;
    /** The body is being read in full before the first attempt starts. */
    private boolean collecting;

    RequestBodyIntake(Exchange exchange, ClientRequestHandler client, ChannelHandlerContext ctx, ProxySnapshot snapshot,
                      HttpRequest request, ExchangeOutcome outcome, RequestBody body, AttemptLoop attempts,
                      ClientResponseWriter clientResponse) {
        this.exchange = exchange;
        this.client = client;
        this.ctx = ctx;
        this.snapshot = snapshot;
        this.request = request;
        this.outcome = outcome;
        this.body = body;
        this.attempts = attempts;
        this.clientResponse = clientResponse;
    }

    /** Reads the whole body before the first attempt, which starts when the last chunk has arrived. */
    void collectFirst() {
        collecting = true;
        requestMore();
    }

    /** Whether the body is still being read in full ahead of the first attempt. */
    boolean collecting() {
        return collecting;
    }

    /** Whether the whole request body (or the lack of one) has been received from the client. */
    boolean complete() {
        return body.complete();
    }

    /** A chunk of the request body from the client; the intake owns it. */
    void onContent(HttpContent content) {
        if (exchange.finished()) {
            content.release();
            return;
        }
        boolean last = content instanceof LastHttpContent;
        ByteBuf data = content.content();
        outcome.addBytesIn(data.readableBytes());
        if (body.received() + data.readableBytes()
                > exchange.route().config().maxRequestBody(snapshot.config().server())) {
            content.release();
            if (!clientResponse.responseStarted()) {
                attempts.cancelCurrent();
                exchange.fail(Reason.REQUEST_BODY_TOO_LARGE, -1);
            } else {
                outcome.endedEarly(Reason.REQUEST_BODY_TOO_LARGE); // the access log keeps the status sent, with why
                exchange.abort();
            }
            return;
        }
        HttpHeaders trailers = last ? ((LastHttpContent) content).trailingHeaders() : null;
        if (trailers != null) {
            TrailerFields.dropForbiddenTrailers(trailers, snapshot.requestIdHeader(), request.headers());
            RouteHeaders.dropFromRequestTrailers(exchange.route().config().requestHeaders(), trailers);
            exchange.route().config().jwt().ifPresent(jwt -> ClaimHeaders.dropFromTrailers(jwt, trailers));
        }
        if (!collecting && !attempts.canWriteBody() && !body.keeps(data.readableBytes())) {
            body.hold(content); // for the next attempt, after its replay; it asks for the rest of the body
            return;
        }
        take(content);
    }

    /** A body chunk the current attempt writes now, or the replay buffer keeps for it. */
    private void take(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        body.append(content.content(), last, last ? ((LastHttpContent) content).trailingHeaders() : null);
        OriginAttempt attempt = collecting ? null : attempts.current();
        OutOfMemoryError noCopy = body.copyRefused();
        if (noCopy != null && (attempt == null || !attempt.active())) {
            // Only the replay buffer was to carry this chunk, and it had no direct memory for the copy: the body's
            // start went with it. Sent on, the request would go up without those bytes (short of its declared
            // length, which the upstream waits for until the per-try timeout blames it, or a chunked body cut
            // short unseen): it is answered as any request the memory shortage strikes.
            content.release();
            exchange.onInternalError(noCopy);
            return;
        }
        if (collecting) {
            content.release(); // kept in the replay buffer: the first attempt writes it from there
            if (last) {
                collecting = false;
                attempts.nextAttempt();
            } else {
                requestMore();
            }
            return;
        }
        if (attempt != null && attempt.active()) {
            attempt.writeBody(content, client.inDelivery());
            if (!last && attempt.originWritable()) {
                requestMore();
            }
        } else {
            content.release(); // kept in the replay buffer if replayable; a retry writes it from there
        }
    }

    /** The client's read is handled: the body chunks it brought leave for the upstream together. */
    void flush() {
        OriginAttempt attempt = attempts.current();
        if (attempt != null) {
            attempt.flushBody();
        }
    }

    /**
     * The client broke the request: its body's framing (an invalid chunk size, extension or terminator), or
     * it sent more than may be held before its upgrade is answered. The upstream must never see such a
     * request as complete: its connection is cut mid-request, and the client gets 400 and a close, or only
     * the close when the response had already begun.
     */
    void onMalformed() {
        if (exchange.finished()) {
            return;
        }
        clientResponse.closeClientAfterResponse();
        exchange.endWith(Reason.BAD_REQUEST, -1);
    }

    /** The client stopped sending its body for longer than {@code request-body-timeout}. */
    void onTimeout() {
        if (!exchange.finished()) {
            exchange.endWith(Reason.REQUEST_TIMEOUT, -1);
        }
    }

    /** An attempt has connected and written what was kept of the body: a held chunk follows, then the rest. */
    void onAttemptConnected() {
        HttpContent held = body.takeHeld();
        if (held == null) {
            requestMore();
            return;
        }
        take(held);
    }

    /** Reads more of the request body from the client, first answering its {@code Expect: 100-continue}. */
    void requestMore() {
        if (body.complete() || exchange.finished()) {
            return;
        }
        if (!continueSent && HttpUtil.is100ContinueExpected(request)) {
            continueSent = true;
            ClientResponder.writeContinue(ctx);
        }
        client.readBody();
    }
}
