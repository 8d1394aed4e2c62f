package dev.rampart.core.proxy;

import dev.rampart.core.config.HeaderRules;
import dev.rampart.core.config.RespondConfig;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.errors.ErrorContext;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.routing.Route;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The answers a client connection gets from the proxy itself rather than from an upstream: the refusal of
 * a request before any exchange exists, a route's direct response and the error envelope an exchange ends
 * with ({@link UnfinishedHeads} answers a head that never completed); with the one rule for whether the connection
 * may carry another request after an answer. Kept apart from {@link ClientRequestHandler} so that the
 * handler reads requests and runs the connection, while this decides how each such answer goes out
 * ({@link ClientResponder} renders its bytes).
 */
final class ClientAnswers {

    private static final Logger log = LoggerFactory.getLogger(ClientAnswers.class);

    private final ClientRequestHandler handler;
    private final ProxyRuntime runtime;
    private final ChannelHandlerContext ctx;
    /** The request the connection serves: every answer here is to it, one request after another. */
    private final ServedRequest served;
    /** Whether the body of an answered request is being read and dropped. */
    private boolean dropping;
    /** The answer whose request's body is being dropped: the request ends no sooner than it is written. */
    private ChannelFuture dropAnswered;
    /** Ends a drop that outlasts {@code lingering-time}, however steadily the body trickles in. */
    private ScheduledFuture<?> dropCap;
    /** Set on the event loop by {@link #closeAfterCurrentRequest} and {@link #requestBegun}; read there too. */
    private boolean retired;
    /** The request heads this connection has carried. */
    private long requests;

    ClientAnswers(ClientRequestHandler handler, ProxyRuntime runtime, ChannelHandlerContext ctx,
                  ServedRequest served) {
        this.handler = handler;
        this.runtime = runtime;
        this.ctx = ctx;
        this.served = served;
    }

    /** Whether the connection may carry another request after this one. */
    boolean keepAliveAfter(HttpRequest req, boolean requestBodyConsumed) {
        return requestBodyConsumed && HttpUtil.isKeepAlive(req) && !runtime.draining() && !retired;
    }

    /** The connection carries no request after the one in progress (its TLS settings were replaced). */
    void closeAfterCurrentRequest() {
        retired = true;
    }

    /**
     * A request head arrived: once the connection has carried {@code server.max-requests-per-connection} (0: no
     * limit), its answer closes it, so that long-lived client connections move between proxies behind a
     * connection-level balancer (nginx's {@code keepalive_requests}).
     */
    void requestBegun(int maxRequestsPerConnection) {
        if (++requests >= maxRequestsPerConnection && maxRequestsPerConnection > 0) {
            retired = true;
        }
    }

    /** Whether a request has begun on this connection: one that has carried none is new, not kept alive. */
    boolean carriedARequest() {
        return requests > 0;
    }

    /** @param kept upstream headers the envelope passes on (a rewritten 401's challenge); empty for the proxy's own */
    ChannelFuture writeError(ProxySnapshot snapshot, HttpRequest request, ExchangeOutcome outcome, ErrorContext error,
                             boolean requestBodyConsumed, List<Map.Entry<String, String>> kept) {
        boolean keepAlive = keepAliveAfter(request, requestBodyConsumed);
        // Accept may come as several lines (RFC 9110 §5.3): together they are one list.
        String accept = String.join(", ", request.headers().getAll(HttpHeaderNames.ACCEPT));
        return ClientResponder.writeError(ctx, snapshot.renderer(), error, accept.isEmpty() ? null : accept,
                request.method().equals(HttpMethod.HEAD), ClientResponder.Keep.of(keepAlive, request.protocolVersion()),
                snapshot.keepAliveHint(), outcome, kept);
    }

    /**
     * An answer before any exchange exists. A request body is read and dropped behind it (see
     * {@link #dropsBody}), so that the connection can carry the next request; a body too large or of no
     * trustworthy framing closes the connection instead. So does a request whose decoder failed: it
     * discards everything that follows, so no later request on it could ever be answered; and so does a 505
     * {@code HTTP_VERSION_NOT_SUPPORTED}, whose client speaks another protocol.
     *
     * @param retryAfterSeconds the answer's {@code Retry-After}, or 0 for none
     */
    void failEarly(Reason reason, long retryAfterSeconds) {
        failEarly(reason, retryAfterSeconds, null);
    }

    /** @param challenge the {@code WWW-Authenticate} of a 401, or null */
    void failEarly(Reason reason, long retryAfterSeconds, String challenge) {
        HttpRequest request = served.head();
        boolean clean = request.decoderResult().isSuccess() && reason != Reason.BAD_REQUEST
                && reason != Reason.REQUEST_BODY_TOO_LARGE && reason != Reason.NOT_IMPLEMENTED
                && reason != Reason.HTTP_VERSION_NOT_SUPPORTED;
        boolean drop = clean && dropsBody(request);
        answerEarly(reason, retryAfterSeconds, clean && (drop || bodyless(request)), drop, challenge);
    }

    /**
     * The answer to a request that failed inside the proxy before any exchange took it (a bug, or no memory
     * for its buffers): its envelope, then the connection closes, since what state it is in is unknown.
     */
    void failAndClose(Reason reason, long retryAfterSeconds) {
        answerEarly(reason, retryAfterSeconds, false, false, null);
    }

    /** The {@code Retry-After} of an UPSTREAM_OVERLOADED the proxy's own shortage causes, as an exchange's has. */
    private static final long OVERLOADED_RETRY_AFTER_SECONDS = 1;

    private void answerEarly(Reason reason, long retryAfterSeconds, boolean reusable, boolean drop, String challenge) {
        ExchangeOutcome outcome = served.outcome();
        ErrorContext error = ErrorContext.of(reason, outcome.requestId(), outcome.routeName(), outcome.upstreamName(), 0);
        if (retryAfterSeconds > 0) {
            error = error.withRetryAfterSeconds(retryAfterSeconds);
        }
        outcome.error(reason.status(), reason.name());
        List<Map.Entry<String, String>> kept = challenge == null ? corsOf()
                : plus(corsOf(), HttpHeaderNames.WWW_AUTHENTICATE, challenge);
        if (reason == Reason.METHOD_NOT_ALLOWED) {
            // RFC 9110 §15.5.6 requires an Allow on a 405: the methods the listener lets through
            kept = plus(kept, HttpHeaderNames.ALLOW,
                    String.join(", ", served.snapshot().config().server().routedMethods()));
        }
        ChannelFuture answered = writeError(served.snapshot(), served.head(), outcome, error, reusable, kept);
        finish(answered, reusable, drop);
    }

    /**
     * Whether the body of a request answered without it is read and dropped (as nginx does) rather than
     * left unread, which would close the connection: only when the connection is to stay open, the client
     * sends the body unasked and its announced length is within {@code max-request-body} (a longer one is not
     * read: the answer says close). A client that asked for {@code 100 Continue} sends its body unasked when it
     * sent it with the head, as Python's {@code http.client} does (a server may answer such a client without a
     * 100, RFC 9110 §10.1.1); one that waits is not sent it, and its answer says close: curl, given a keep-alive
     * answer instead, sends the connection's next request where the body was due.
     */
    private boolean dropsBody(HttpRequest request) {
        return !bodyless(request) && keepAliveAfter(request, true)
                && (!HttpUtil.is100ContinueExpected(request) || handler.bodyCameWithHead(request))
                && ClientHttpCodec.declaredLength(request, 0L) <= served.maxRequestBody();
    }

    /** The answer is on its way: the request ends once it is written, or, with a body to drop, once that is read. */
    private void finish(ChannelFuture answered, boolean reusable, boolean drop) {
        ProxySnapshot snapshot = served.snapshot();
        if (drop) {
            dropping = true;
            dropAnswered = answered;
            // As nginx's discarding of a body: request-body-timeout bounds each pause, lingering-time the whole.
            dropCap = ctx.executor().schedule(this::dropTookTooLong,
                    snapshot.config().server().lingeringTime().toNanos(), TimeUnit.NANOSECONDS);
            handler.readBody();
        } else {
            answered.addListener((ChannelFutureListener) f -> answerWritten(f, reusable, reusable));
        }
    }

    /**
     * The request ends once its answer is written; one that could not be written cuts the connection. Runs in
     * the write's listener, where Netty would only log what it throws (at WARN, without the request) and leave
     * the connection neither read nor closed: a bug there is handled as one before any exchange is.
     */
    private void answerWritten(ChannelFuture written, boolean requestBodyConsumed, boolean bodyReadWhole) {
        try {
            if (!written.isSuccess()) {
                ctx.close(); // the client gone, or no memory for the answer: either way it will not come
            }
            handler.requestDone(requestBodyConsumed && written.isSuccess(), bodyReadWhole, -1);
        } catch (RuntimeException | AssertionError | OutOfMemoryError bug) {
            failedWithoutExchange(bug);
        }
    }

    boolean droppingBody() {
        return dropping;
    }

    /**
     * The next part of a body being dropped: reads on, or ends the request, kept alive at the body's end, closed
     * on a broken chunk. A chunked body is dropped past {@code max-request-body} too, as nginx discards one: the
     * answer went out saying the connection stays, and a close now would lose the requests pipelined behind the
     * body. Nothing of it is kept, and the drop is bounded in time as a lingering close is
     * ({@code request-body-timeout} each pause, {@code lingering-time} in all), which would read and drop the
     * same bytes; a {@code Content-Length} over the limit is never dropped (its answer says close).
     */
    void dropBodyPart(HttpContent content) {
        boolean broken = content.decoderResult().isFailure();
        boolean last = content instanceof LastHttpContent;
        content.release();
        if (broken) {
            endDrop(false);
        } else if (last) {
            endDrop(true);
        } else {
            handler.readBody();
        }
    }

    /** The body being dropped ended ({@code whole}), or will not: it timed out, or the client left. */
    void endDrop(boolean whole) {
        endDrop(whole, whole);
    }

    /**
     * The body has been dropped for {@code lingering-time}: the connection closes at once, with no lingering
     * close after it (the answer went out that long ago), so that a client trickling a body just fast enough
     * for {@code request-body-timeout} cannot hold it open for as long as {@code max-request-body} lasts.
     */
    private void dropTookTooLong() {
        if (droppingBody()) {
            endDrop(false, true);
        }
    }

    /** @param nothingLeftToRead whether the connection may close without lingering (see {@link LingeringClose}) */
    private void endDrop(boolean whole, boolean nothingLeftToRead) {
        dropping = false;
        dropCap.cancel(false);
        ChannelFuture answered = dropAnswered;
        dropAnswered = null;
        answered.addListener((ChannelFutureListener) f -> answerWritten(f, whole, nothingLeftToRead));
    }

    /**
     * A failure of the proxy's own (a bug, or memory running out) with no exchange to finish the request:
     * logged once, the request ends here with why (else a drain would wait out its whole grace for it),
     * answered with an envelope if nothing of an answer went out yet, and the connection closes.
     */
    void failedWithoutExchange(Throwable cause) {
        boolean shortage = runtime.current().shortages().reportFailure(log, served.requestIdOrDash(), cause);
        Reason why = shortage ? Reason.UPSTREAM_OVERLOADED : Reason.INTERNAL_ERROR;
        if (served.inFlight() && served.head() != null && ctx.channel().isActive()) {
            try {
                // A failure while the request was admitted left it without an outcome: it gets one now, or the
                // client would get a close without a word for a request whose head was read whole.
                if (served.outcomeEvenIfBeginFailed().status() == 0) {
                    failAndClose(why, shortage ? OVERLOADED_RETRY_AFTER_SECONDS : 0); // ends it once written
                    return;
                }
            } catch (RuntimeException | OutOfMemoryError stillFailing) {
                // no memory even for the envelope: the close is all the client gets
            }
        }
        if (served.inFlight() && served.hasHead()) {
            served.outcome().endedEarly(why);
            served.reportAndEnd(-1);
        }
        served.end();
        ctx.close();
    }

    /**
     * Whether the request announced no body. A malformed Content-Length counts as a body: the refusal of
     * such a request must not trip over the value it refuses.
     */
    private static boolean bodyless(HttpRequest head) {
        if (HttpUtil.isTransferEncodingChunked(head)) {
            return false;
        }
        try {
            return ClientHttpCodec.declaredLength(head, 0L) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Answers the request by itself when its route says so: a {@code respond} route (a redirect's {@code Location}
     * made of {@code target}), or a CORS preflight on a route with {@code cors}. False when the request goes upstream.
     */
    boolean answerByItself(RouteConfig route, UpstreamTarget target) {
        if (CorsHeaders.isAnsweredPreflight(route, served.head())) {
            // The route's response headers too (security headers, say), as nginx's add_header puts them on a 204.
            answerDirectly(204, "", null, route.responseHeaders(),
                    CorsHeaders.forPreflight(route.cors().get(), served.head().headers()));
            return true;
        }
        if (route.respond().isPresent()) {
            RespondConfig respond = route.respond().get();
            List<Map.Entry<String, String>> extraHeaders = respond.location().isEmpty() ? corsOf()
                    : plus(corsOf(), HttpHeaderNames.LOCATION,
                            RedirectLocation.of(respond, served.head(), target.forUpstream()));
            answerDirectly(respond.status(), respond.body(), respond.contentType(), route.responseHeaders(),
                    extraHeaders);
            return true;
        }
        return false;
    }

    private void answerDirectly(int status, String body, String contentType, HeaderRules responseHeaders,
                                List<Map.Entry<String, String>> extraHeaders) {
        ProxySnapshot snapshot = served.snapshot();
        HttpRequest request = served.head();
        ExchangeOutcome outcome = served.outcome();
        boolean drop = dropsBody(request);
        boolean reusable = drop || bodyless(request);
        outcome.status(status);
        ChannelFuture answered = ClientResponder.writeDirect(ctx, status, body, contentType,
                snapshot.requestIdHeader(), request.method().equals(HttpMethod.HEAD),
                ClientResponder.Keep.of(keepAliveAfter(request, reusable), request.protocolVersion()),
                snapshot.keepAliveHint(), outcome,
                responseHeaders, extraHeaders);
        finish(answered, reusable, drop);
    }

    /** {@code headers} and one more. */
    private static List<Map.Entry<String, String>> plus(List<Map.Entry<String, String>> headers, CharSequence name,
                                                        String value) {
        List<Map.Entry<String, String>> more = new java.util.ArrayList<>(headers);
        more.add(Map.entry(name.toString(), value));
        return more;
    }

    /** The CORS headers of an answer the proxy makes on the request's route; none before routing. */
    private List<Map.Entry<String, String>> corsOf() {
        Route route = served.route();
        return route == null ? List.of() : CorsHeaders.forResponse(route.config().cors(), served.head().headers());
    }
}
