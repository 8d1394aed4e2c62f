package dev.rampart.core.proxy;

import dev.rampart.core.config.RetryConfig;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.errors.ErrorContext;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.errors.UpstreamErrorPolicy;
import dev.rampart.core.resilience.FailureClassifier;
import dev.rampart.core.resilience.FailureKind;
import dev.rampart.core.resilience.RetryAfter;
import dev.rampart.core.resilience.RetryContext;
import dev.rampart.core.resilience.RetryDecision;
import dev.rampart.core.resilience.RetryPolicy;
import dev.rampart.core.resilience.UpstreamFailure;
import dev.rampart.core.routing.Route;
import dev.rampart.core.upstream.Endpoint;
import dev.rampart.core.upstream.Upstream;
import dev.rampart.core.upstream.pool.OriginConnection;
import dev.rampart.core.upstream.pool.PoolExhaustedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * One request, from its head to the last byte of its response: the single owner of its attempts, its
 * deadline, its replayable body and its outcome. Runs entirely on the client's event loop. The loop is
 * "pick an endpoint → attempt → on failure ask the {@link RetryPolicy} → back off or stop"; every path
 * ends in exactly one call of {@link #finish}.
 */
final class Exchange {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);
    /** Not counted as a skipped retry: no rule refused it, there was simply nowhere to send it. */
    private static final RetryDecision NO_ENDPOINT_ADMITS = new RetryDecision.Stop(RetryDecision.StopReason.NOT_RETRYABLE);

    private final ClientRequestHandler client;
    private final ChannelHandlerContext ctx;
    private final ProxySnapshot snapshot;
    private final HttpRequest request;
    private final ExchangeOutcome outcome;
    private final Route route;
    private final RouteConfig routeConfig;
    private final Upstream upstream;
    private final RequestBody body;
    private final HttpRequest originTemplate;
    private final long deadlineNanos;
    private final boolean upgrade;
    private final List<Endpoint> tried = new ArrayList<>(2);
    private OriginAttempt current;
    private ScheduledFuture<?> deadlineTimer;
    private ScheduledFuture<?> backoffTimer;
    private boolean bulkheadHeld;
    private boolean responseStarted;
    private boolean finished;
    private boolean continueSent;
    private boolean closeClientAfterResponse;
    /** The body is being read in full before the first attempt starts (see {@link #COLLECT_BODY_UP_TO}). */
    private boolean collectingBody;
    private long firstAttemptNanos = -1;
    private String lastFailure;
    /** What the last retried attempt ended with: a failure kind, or an upstream status (-1 when none). */
    private FailureKind lastFailureKind;
    private int lastStatus = -1;
    private long lastRetryAfterSeconds = -1;
    private long headNanos = -1;
    private WebSocketTunnel tunnel;
    private boolean internalErrorLogged;

    Exchange(ClientRequestHandler client, ChannelHandlerContext ctx, ProxySnapshot snapshot, HttpRequest request,
             ExchangeOutcome outcome, Route route, Upstream upstream, HttpRequest originTemplate, boolean expectsBody,
             boolean upgrade) {
        this.client = client;
        this.ctx = ctx;
        this.snapshot = snapshot;
        this.request = request;
        this.outcome = outcome;
        this.route = route;
        this.routeConfig = route.config();
        this.upstream = upstream;
        this.originTemplate = originTemplate;
        this.body = new RequestBody(routeConfig.retry().replayBuffer(), expectsBody);
        this.deadlineNanos = outcome.startNanos() + routeConfig.timeout().toNanos();
        this.upgrade = upgrade;
    }

    /** Whether the request asked to switch to WebSocket, so that a 101 may answer it. */
    boolean upgradeRequested() {
        return upgrade;
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    void start() {
        outcome.route(route.name(), upstream.name());
        if (!upstream.bulkhead().tryAcquire()) {
            fail(Reason.UPSTREAM_OVERLOADED, 1);
            return;
        }
        bulkheadHeld = true;
        snapshot.retryPolicy(route.name()).budget().onRequest();
        deadlineTimer = ctx.executor().schedule(guarded(this::onDeadline), routeConfig.timeout().toNanos(),
                TimeUnit.NANOSECONDS);
        if (collectsBodyFirst()) {
            collectingBody = true;
            requestMoreBody();
        } else {
            nextAttempt();
        }
    }

    /**
     * A body declared by {@code Content-Length} to be at most this long, and short enough to be kept
     * for replay, is read in full before the first attempt starts, as nginx buffers request bodies.
     * The upstream then gets head and body in one write. Streamed instead, an upstream that answers
     * before it has read the whole body (a quick error, nginx's {@code return}) ends the exchange with
     * the request half sent: neither the client's keep-alive connection nor the upstream's can be
     * used again, so every such request cost two new connections. Larger and chunked bodies stream.
     */
    static final long COLLECT_BODY_UP_TO = 64 * 1024;

    private boolean collectsBodyFirst() {
        if (body.complete() || upgrade) {
            return false;
        }
        long length = HttpUtil.getContentLength(request, -1L);
        return length >= 0 && length <= Math.min(COLLECT_BODY_UP_TO, routeConfig.retry().replayBuffer());
    }

    private void nextAttempt() {
        backoffTimer = null;
        if (finished) {
            return;
        }
        List<Endpoint> avoid = routeConfig.retry().preferOtherEndpoint() ? tried : List.of();
        Endpoint endpoint = upstream.pick(avoid);
        if (endpoint == null) {
            failWithNoEndpointAdmitting();
            return;
        }
        long now = snapshot.ticker().read();
        if (firstAttemptNanos < 0) {
            firstAttemptNanos = now;
        }
        OriginAttempt attempt = new OriginAttempt(this, endpoint, outcome.attempts() + 1, now);
        outcome.attemptStarted(endpoint.label());
        if (!tried.contains(endpoint)) {
            tried.add(endpoint);
        }
        endpoint.attemptStarted();
        current = attempt;
        Future<OriginConnection> acquired = snapshot.pools().acquire(ctx.channel().eventLoop(), endpoint.poolSettings());
        if (acquired.isDone()) {
            onAcquired(attempt, acquired);
        } else {
            acquired.addListener(f -> guarded(() -> onAcquired(attempt, acquired)).run());
        }
    }

    private void onAcquired(OriginAttempt attempt, Future<OriginConnection> acquired) {
        if (!acquired.isSuccess()) {
            if (attempt == current && !finished) {
                if (acquired.cause() instanceof PoolExhaustedException) {
                    // Our own queue for this endpoint is full: shed load, do not blame the upstream.
                    current = null;
                    attempt.recordOutcome(null, 0);
                    fail(Reason.UPSTREAM_OVERLOADED, 1);
                    return;
                }
                onAttemptFailed(attempt, FailureClassifier.classifyConnectFailure(acquired.cause()), acquired.cause());
            }
            return;
        }
        OriginConnection conn = acquired.getNow();
        if (attempt != current || finished) {
            conn.release(true); // nothing was written on it
            return;
        }
        HttpRequest head = ForwardedHeaders.forAttempt(originTemplate, attempt.number());
        List<ByteBuf> replay = body.replay();
        LastHttpContent last = body.complete() ? OriginAttempt.lastWithTrailers(body.trailers()) : null;
        attempt.connected(conn, head, replay, body.complete(), last);
        if (!body.complete()) {
            requestMoreBody();
        }
    }

    /** Ends the exchange once: timers, buffers, bulkhead, the log line. */
    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimers();
        body.release();
        if (bulkheadHeld) {
            upstream.bulkhead().release();
        }
        long upstreamNanos = firstAttemptNanos < 0 || headNanos < 0 ? -1 : headNanos - firstAttemptNanos;
        client.exchangeFinished(this, outcome, body.complete() && !closeClientAfterResponse, upstreamNanos);
    }

    private void cancelTimers() {
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
        }
    }

    // ---- request body ------------------------------------------------------------------------------

    /** A chunk of the request body from the client; this exchange owns it. */
    void onRequestContent(HttpContent content) {
        if (finished) {
            content.release();
            return;
        }
        boolean last = content instanceof LastHttpContent;
        ByteBuf data = content.content();
        outcome.addBytesIn(data.readableBytes());
        if (body.received() + data.readableBytes() > snapshot.config().server().maxRequestBody()) {
            content.release();
            if (!responseStarted) {
                abandonCurrent();
                fail(Reason.REQUEST_BODY_TOO_LARGE, -1);
            } else {
                abort();
            }
            return;
        }
        body.append(data, last, last ? ((LastHttpContent) content).trailingHeaders() : null);
        if (collectingBody) {
            content.release(); // kept in the replay buffer: the first attempt writes it from there
            if (last) {
                collectingBody = false;
                nextAttempt();
            } else {
                requestMoreBody();
            }
            return;
        }
        OriginAttempt attempt = current;
        if (attempt != null && attempt.active()) {
            attempt.writeBody(content);
            if (!last && attempt.originWritable()) {
                requestMoreBody();
            }
        } else {
            content.release(); // kept in the replay buffer if replayable; a retry writes it from there
        }
    }

    private void requestMoreBody() {
        if (body.complete() || finished) {
            return;
        }
        if (!continueSent && HttpUtil.is100ContinueExpected(request)) {
            continueSent = true;
            client.sendContinue();
        }
        client.readBody();
    }

    /** Whether the whole request body (or the lack of one) has been received from the client. */
    boolean requestBodyComplete() {
        return body.complete();
    }

    void onOriginWritable(OriginAttempt attempt) {
        if (attempt == current && !body.complete()) {
            requestMoreBody();
        }
    }

    // ---- attempts and retries -----------------------------------------------------------------------

    long perTryTimeoutNanos() {
        return routeConfig.retry().perTryTimeout().toNanos();
    }

    FailureKind classifyTransportFailure(Throwable cause) {
        return FailureClassifier.classifyTransportFailure(cause).orElse(FailureKind.RESET);
    }

    /** The attempt failed before a usable response head. */
    void onAttemptFailed(OriginAttempt attempt, FailureKind kind, Throwable cause) {
        if (attempt != current || finished) {
            return;
        }
        long elapsed = snapshot.ticker().read() - attempt.startNanos();
        attempt.abandon();
        current = null;
        attempt.recordOutcome(false, elapsed);
        snapshot.observer().onAttempt(upstream.name(), attempt.endpoint().label(), kind.name().toLowerCase(java.util.Locale.ROOT));
        lastFailure = "attempt " + attempt.number() + " to " + attempt.endpoint().label() + ": " + kind
                + (cause == null ? "" : " (" + cause + ")");
        if (log.isDebugEnabled()) {
            log.debug("request {} {}", outcome.requestId(), lastFailure);
        }
        RetryDecision decision = decideRetry(UpstreamFailure.of(kind), attempt);
        if (!retryOrReport(decision)) {
            fail(kind.reason(), -1);
            return;
        }
        lastFailureKind = kind;
        lastStatus = -1;
    }

    /**
     * The response head arrived. Returns true when the response is relayed to the client; false when
     * the exchange abandoned the attempt (to retry, or to answer with the envelope).
     */
    boolean onResponseHead(OriginAttempt attempt, HttpResponse response) {
        if (attempt != current || finished) {
            attempt.abandon();
            return false;
        }
        headNanos = snapshot.ticker().read();
        long elapsed = headNanos - attempt.startNanos();
        int status = response.status().code();
        attempt.recordOutcome(!(status >= 500 && status != 501), elapsed);
        snapshot.observer().onAttempt(upstream.name(), attempt.endpoint().label(),
                status >= 500 ? "status_5xx" : "success");
        if (status == 101) {
            switchToTunnel(attempt, response);
            return false;
        }
        String retryAfter = response.headers().get(HttpHeaderNames.RETRY_AFTER);
        if (status >= 400) {
            RetryDecision decision = decideRetry(UpstreamFailure.status(status, retryAfter), attempt);
            if (decision.isRetry()) {
                attempt.abandon();
                current = null;
                lastFailureKind = null;
                lastStatus = status;
                lastRetryAfterSeconds = retryAfterSeconds(status, retryAfter);
                retryOrReport(decision);
                return false;
            }
            reportSkipped(decision);
        }
        String contentType = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (UpstreamErrorPolicy.shouldRewrite(routeConfig.errors(), status, contentType)) {
            attempt.abandon(); // the upstream's body is never read, let alone sent
            current = null;
            long seconds = retryAfterSeconds(status, retryAfter);
            failUpstream(status, seconds);
            return false;
        }
        responseStarted = true;
        outcome.status(status);
        boolean needsFraming = !request.method().equals(HttpMethod.HEAD) && status != 204 && status != 304
                && !response.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
        // HTTP/1.0 clients do not understand chunked: such a body is delimited by closing the connection.
        boolean chunked = needsFraming && request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        if (needsFraming && !chunked) {
            closeClientAfterResponse = true;
        }
        boolean keepAlive = !closeClientAfterResponse && client.keepAliveAfter(request, body.complete());
        closeClientAfterResponse = !keepAlive;
        HttpResponse head = ForwardedHeaders.clientResponse(response, snapshot.requestIdHeader(), outcome.requestId(),
                chunked, keepAlive);
        ctx.write(head, ctx.voidPromise());
        return true;
    }

    /**
     * The retry policy's decision, except when no endpoint's breaker would admit another attempt (this
     * failure may just have opened the last one): then this attempt's result is what the client gets,
     * as PRODUCT says of retries that end, rather than a CIRCUIT_OPEN the client never caused.
     */
    private RetryDecision decideRetry(UpstreamFailure failure, OriginAttempt attempt) {
        if (!upstream.admitsAny()) {
            return NO_ENDPOINT_ADMITS;
        }
        return snapshot.retryPolicy(route.name()).decide(retryContext(failure, attempt));
    }

    /**
     * No endpoint lets a call through. Before any attempt that is CIRCUIT_OPEN; after a retried attempt
     * (a breaker opened during the backoff) the client gets the last attempt's outcome: its failure's
     * envelope, or for an upstream error status the envelope of that status (its body was not kept).
     */
    private void failWithNoEndpointAdmitting() {
        if (lastStatus > 0) {
            failUpstream(lastStatus, lastRetryAfterSeconds);
        } else if (lastFailureKind != null) {
            fail(lastFailureKind.reason(), -1);
        } else {
            fail(Reason.CIRCUIT_OPEN, upstream.secondsUntilFirstHalfOpen());
        }
    }

    private RetryContext retryContext(UpstreamFailure failure, OriginAttempt attempt) {
        boolean untriedLeft = tried.size() < upstream.endpoints().size();
        String keyHeader = routeConfig.retry().idempotencyKeyHeader();
        // An upgrade that reached the upstream may have started a conversation that cannot be replayed:
        // like a body that was not kept, it is retried only when nothing was sent.
        return new RetryContext(failure, outcome.attempts(), request.method().name(),
                !keyHeader.isEmpty() && request.headers().contains(keyHeader), body.replayable() && !upgrade,
                attempt.bytesSent(), responseStarted, deadlineNanos - snapshot.ticker().read(), untriedLeft);
    }

    /** Schedules the retry a decision asks for; reports a skipped one. Returns whether it retries. */
    private boolean retryOrReport(RetryDecision decision) {
        if (!(decision instanceof RetryDecision.Retry retry)) {
            reportSkipped(decision);
            return false;
        }
        snapshot.observer().onRetry(route.name(), retry.causeLabel());
        long delay = retry.delay().toNanos();
        if (delay <= 0) {
            nextAttempt();
        } else {
            backoffTimer = ctx.executor().schedule(guarded(this::nextAttempt), delay, TimeUnit.NANOSECONDS);
        }
        return true;
    }

    /** Counts a retry the failure asked for but a rule refused; a failure nobody retries is not counted. */
    private void reportSkipped(RetryDecision decision) {
        if (decision instanceof RetryDecision.Stop stop && stop.why() != RetryDecision.StopReason.NOT_RETRYABLE) {
            snapshot.observer().onRetrySkipped(route.name(), stop.whyLabel());
        }
    }

    private long retryAfterSeconds(int status, String retryAfter) {
        if (retryAfter == null || (status != 429 && status != 503)) {
            return -1;
        }
        // Whole seconds rounded up, without toMillis(): a far-future HTTP-date would overflow it.
        return RetryAfter.parse(retryAfter, snapshot.clock())
                .map(d -> d.getNano() == 0 || d.getSeconds() == Long.MAX_VALUE ? d.getSeconds() : d.getSeconds() + 1)
                .orElse(-1L);
    }

    // ---- response relay ---------------------------------------------------------------------------

    boolean clientWritable() {
        return ctx.channel().isWritable();
    }

    void relayContent(HttpContent content) {
        outcome.addBytesOut(content.content().readableBytes());
        ctx.writeAndFlush(content, ctx.voidPromise());
    }

    void relayLast(LastHttpContent last) {
        outcome.addBytesOut(last.content().readableBytes());
        current = null;
        ctx.writeAndFlush(last).addListener((ChannelFutureListener) f -> guarded(this::finish).run());
    }

    /** The client drained its buffer: let the upstream send more. */
    void onClientWritable() {
        if (tunnel != null) {
            tunnel.onClientWritable();
            return;
        }
        OriginAttempt attempt = current;
        if (attempt != null && responseStarted) {
            attempt.resumeRelay();
        }
    }

    /** The upstream broke off mid-response: the client can only see a cut connection. */
    void onRelayBroken(OriginAttempt attempt) {
        if (attempt != current || finished) {
            return;
        }
        log.info("request {}: upstream {} closed the connection mid-response", outcome.requestId(),
                attempt.endpoint().label());
        attempt.recordOutcome(false, snapshot.ticker().read() - attempt.startNanos());
        abort();
    }

    // ---- WebSocket ---------------------------------------------------------------------------------

    /**
     * The upstream switched to WebSocket: the 101 goes to the client, both connections drop HTTP and the
     * exchange lives on as a {@link WebSocketTunnel} until that closes. The route timeout bounded the
     * handshake only; the bulkhead slot is held for the tunnel's life (it is load on the upstream).
     */
    private void switchToTunnel(OriginAttempt attempt, HttpResponse response) {
        current = null;
        responseStarted = true;
        closeClientAfterResponse = true;
        cancelTimers();
        outcome.status(101);
        OriginConnection conn = attempt.handOver();
        // Encoded at once, while the client codec is still in place.
        ctx.write(WebSocketUpgrade.switchingResponse(response, snapshot.requestIdHeader(), outcome.requestId()),
                ctx.voidPromise());
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
        tunnel = new WebSocketTunnel(this, ctx.channel(), conn, outcome, snapshot.ticker(),
                snapshot.config().server().idleTimeout().toNanos());
        tunnel.attachOrigin();
        client.switchToTunnel(tunnel);
        tunnel.start();
    }

    /** The tunnel closed: the exchange ends with its 101, and the client connection closes. */
    void onTunnelClosed() {
        finish();
    }

    // ---- endings -----------------------------------------------------------------------------------

    /**
     * Wraps a callback that runs outside any handler (a timer, a future listener): Netty would only log
     * what it throws and the exchange would hang, so a bug there ends the exchange like any other.
     */
    Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | AssertionError bug) {
                onInternalError(bug);
            }
        };
    }

    /**
     * A bug inside the proxy surfaced while this exchange ran. Logged once at ERROR with the request id
     * and the stack trace; the client gets INTERNAL_ERROR if nothing of the response was sent yet, and a
     * closed connection otherwise (the only honest end of a response that started).
     */
    void onInternalError(Throwable bug) {
        if (!internalErrorLogged) {
            internalErrorLogged = true;
            log.error("request {}: unexpected failure inside the proxy", outcome.requestId(), bug);
        }
        if (finished) {
            ctx.close();
            return;
        }
        if (responseStarted) {
            abort();
            return;
        }
        abandonCurrent();
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
            backoffTimer = null;
        }
        fail(Reason.INTERNAL_ERROR, -1);
    }

    private void onDeadline() {
        deadlineTimer = null;
        if (finished) {
            return;
        }
        if (responseStarted) {
            abort();
            return;
        }
        OriginAttempt attempt = current;
        if (attempt != null) {
            // The upstream did not answer within the deadline: for its breaker that is a timeout.
            attempt.recordOutcome(false, snapshot.ticker().read() - attempt.startNanos());
        }
        abandonCurrent();
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
            backoffTimer = null;
        }
        fail(Reason.GATEWAY_TIMEOUT, -1);
    }

    /** The client stopped sending its body for longer than {@code request-body-timeout}. */
    void onBodyTimeout() {
        if (finished) {
            return;
        }
        if (responseStarted) {
            abort();
            return;
        }
        abandonCurrent();
        fail(Reason.REQUEST_TIMEOUT, -1);
    }

    /** The client went away: cancel upstream work, release everything, record 499. */
    void onClientClosed() {
        if (finished) {
            return;
        }
        if (tunnel != null) {
            tunnel.onClientClosed(); // the end of a WebSocket conversation, not a cancelled request
            return;
        }
        OriginAttempt attempt = current;
        if (attempt != null) {
            attempt.recordOutcome(null, 0);
        }
        abandonCurrent();
        outcome.clientClosed();
        finish();
    }

    /** Stops the current attempt; one that had no outcome yet counts as cancelled, not as a failure. */
    private void abandonCurrent() {
        OriginAttempt attempt = current;
        if (attempt != null) {
            current = null;
            attempt.recordOutcome(null, 0);
            attempt.abandon();
        }
    }

    /** Cuts the client connection after a partial response; the only honest signal left. */
    private void abort() {
        abandonCurrent();
        outcome.aborted();
        ctx.close();
        finish();
    }

    private void fail(Reason reason, long retryAfterSeconds) {
        ErrorContext error = new ErrorContext(reason, reason.status(), outcome.requestId(), route.name(),
                upstream.name(), outcome.attempts(),
                retryAfterSeconds > 0 ? OptionalLong.of(retryAfterSeconds) : OptionalLong.empty(),
                OptionalInt.empty(), null);
        sendError(error);
    }

    private void failUpstream(int status, long retryAfterSeconds) {
        ErrorContext error = new ErrorContext(Reason.UPSTREAM_ERROR, status, outcome.requestId(), route.name(),
                upstream.name(), outcome.attempts(),
                retryAfterSeconds >= 0 ? OptionalLong.of(retryAfterSeconds) : OptionalLong.empty(),
                OptionalInt.of(status), null);
        sendError(error);
    }

    private void sendError(ErrorContext error) {
        if (lastFailure != null) {
            // The internals (addresses, exception text) go to the log once, never to the client.
            log.info("request {} answered {} {} after {} attempt(s); last failure: {}", outcome.requestId(),
                    error.status(), error.reason(), outcome.attempts(), lastFailure);
        }
        responseStarted = true;
        outcome.error(error.status(), error.reason().name());
        client.writeError(error, body.complete()).addListener((ChannelFutureListener) f -> guarded(this::finish).run());
    }
}
