package dev.rampart.core.proxy;

import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.errors.UpstreamErrorPolicy;
import dev.rampart.core.resilience.FailureClassifier;
import dev.rampart.core.resilience.FailureKind;
import dev.rampart.core.resilience.RetryAfter;
import dev.rampart.core.resilience.RetryDecision;
import dev.rampart.core.resilience.RetryPolicy;
import dev.rampart.core.resilience.UpstreamFailure;
import dev.rampart.core.routing.Route;
import dev.rampart.core.upstream.Admitted;
import dev.rampart.core.upstream.Endpoint;
import dev.rampart.core.upstream.Upstream;
import dev.rampart.core.upstream.pool.OriginConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;

import java.util.List;

/**
 * The upstream side of one {@link Exchange}: the loop "pick an endpoint → take a pooled connection →
 * attempt → on failure ask the {@link RetryPolicy} → back off or stop", one {@link OriginAttempt} at a
 * time, and the events that decide between them (a failure, a response head); what a relaying attempt
 * reports after its head goes through its {@link AttemptRelay}. It exists so that the exchange keeps the request's lifecycle toward the client (its deadline,
 * body and endings) while this class keeps the attempts; it answers the client only through the exchange.
 */
final class AttemptLoop {

    private final Exchange exchange;
    private final ChannelHandlerContext ctx;
    private final ProxySnapshot snapshot;
    private final ExchangeOutcome outcome;
    private final Route route;
    private final RouteConfig routeConfig;
    private final Upstream upstream;
    private final RequestBody body;
    private final HttpRequest originTemplate;
    /** Whether each attempt's Host is its endpoint's authority, rather than the client's Host. */
    private final boolean hostPerEndpoint;
    /** Where the request falls on a consistent-hash ring; {@link Upstream#NO_KEY} for none. */
    private final long balancingKey;
    private final boolean upgrade;
    private final RetryBookkeeping retries;
    private final ClientResponseWriter clientResponse;
    private final AttemptRecorder recorder;
    private OriginAttempt current;
    private final UpstreamTiming timing;
    private final RetryBackoff backoff;
    private final AttemptRelay relay;
    private Future<OriginConnection> pendingAcquire;

    AttemptLoop(Exchange exchange, ChannelHandlerContext ctx, ProxySnapshot snapshot, ExchangeOutcome outcome,
                Route route, Upstream upstream, RequestBody body, HttpRequest originTemplate, boolean upgrade,
                boolean hostPerEndpoint, long balancingKey, RetryBookkeeping retries,
                ClientResponseWriter clientResponse) {
        this.exchange = exchange;
        this.ctx = ctx;
        this.snapshot = snapshot;
        this.outcome = outcome;
        this.route = route;
        this.routeConfig = route.config();
        this.upstream = upstream;
        this.body = body;
        this.originTemplate = originTemplate;
        this.upgrade = upgrade;
        this.hostPerEndpoint = hostPerEndpoint;
        this.balancingKey = balancingKey;
        this.retries = retries;
        this.clientResponse = clientResponse;
        this.recorder = new AttemptRecorder(snapshot, upstream.name());
        this.timing = new UpstreamTiming(snapshot.ticker());
        this.backoff = new RetryBackoff(ctx.executor());
        this.relay = new AttemptRelay(this, exchange, snapshot, outcome, body, clientResponse, recorder, timing);
    }

    /** Whether the request asked to switch to WebSocket, so that a 101 may answer it. */
    boolean upgradeRequested() {
        return upgrade;
    }

    /** The attempt in flight, or null between attempts and after the last. */
    OriginAttempt current() {
        return current;
    }

    /** Whether an attempt is connected and can write a body chunk now. */
    boolean canWriteBody() {
        return current != null && current.connectedAndActive();
    }

    /** From the first attempt's start to the response head, or -1 when no head arrived. */
    long upstreamNanos() {
        return timing.upstreamNanos();
    }

    // ---- the loop ---------------------------------------------------------------------------------

    /**
     * Starts the next attempt; returns false when none starts: the client is being answered already, or
     * no endpoint admits one (the client is answered then).
     */
    boolean nextAttempt() {
        return startAttempt() == Start.STARTED;
    }

    /** How a call to start an attempt ended. */
    private enum Start { STARTED, ALREADY_ANSWERED, NO_ENDPOINT }

    private Start startAttempt() {
        backoff.over();
        if (exchange.finished() || clientResponse.responseStarted()) {
            return Start.ALREADY_ANSWERED; // an early ending raced the backoff timer
        }
        Admitted admitted = upstream.admit(retries.endpointsToAvoid(), balancingKey);
        if (admitted == null) {
            retries.answerWithLastOutcome(exchange, null, timing::retriedHeadUsed); // no endpoint lets one through
            return Start.NO_ENDPOINT;
        }
        long now = snapshot.ticker().read();
        timing.attemptStarted(now);
        Endpoint endpoint = admitted.endpoint();
        OriginAttempt attempt = new OriginAttempt(this, admitted, outcome.attempts() + 1, now);
        outcome.attemptStarted(endpoint.label());
        retries.attemptStarted(endpoint);
        endpoint.attemptStarted();
        current = attempt;
        Future<OriginConnection> acquired = snapshot.pools().acquire(ctx.channel().eventLoop(), endpoint.poolSettings());
        if (acquired.isDone()) {
            onAcquired(attempt, acquired);
        } else {
            pendingAcquire = acquired;
            acquired.addListener(f -> guarded(() -> onAcquired(attempt, acquired)).run());
        }
        return Start.STARTED;
    }

    private void onAcquired(OriginAttempt attempt, Future<OriginConnection> acquired) {
        if (pendingAcquire == acquired) {
            pendingAcquire = null;
        }
        if (!acquired.isSuccess()) {
            if (attempt == current && !exchange.finished()) {
                if (EndpointBlame.shedsLoad(attempt.verdict(), acquired.cause(), snapshot.shortages())) {
                    current = null;
                    exchange.fail(Reason.UPSTREAM_OVERLOADED, 1);
                    return;
                }
                onAttemptFailed(attempt, FailureClassifier.classifyConnectFailure(acquired.cause()), acquired.cause());
            }
            return;
        }
        OriginConnection conn = acquired.getNow();
        if (attempt != current || exchange.finished()) {
            conn.release(true); // nothing was written on it
            return;
        }
        HttpRequest head = ForwardedHeaders.forAttempt(originTemplate, attempt.number(),
                hostPerEndpoint ? attempt.endpoint().hostHeader() : null);
        List<ByteBuf> replay = body.replay();
        LastHttpContent last = body.complete() ? body.lastChunk() : null;
        attempt.connected(conn, snapshot.ticker().read(), head, replay, body.complete(), last);
        if (!body.complete()) {
            exchange.requestBody().onAttemptConnected();
        }
    }

    /** Leaves the pool's queue, so no connection is made for this request, and cancels a pending backoff. */
    void cancelTimers() {
        if (pendingAcquire != null) {
            // Still queued for a pooled connection: leave the queue so no connection is made for this request.
            pendingAcquire.cancel(false);
            pendingAcquire = null;
        }
        cancelBackoff();
    }

    /** Cancels a pending backoff, so that no further attempt starts. */
    void cancelBackoff() {
        backoff.cancel();
    }

    /** Stops the current attempt; one that had no outcome yet counts as cancelled, not as a failure. */
    void abandonCurrent() {
        endCurrent(null);
    }

    /** The client went away: the attempt in progress is cancelled, and counted so (its breaker learns nothing). */
    void cancelCurrent() {
        endCurrent("cancelled");
    }

    /**
     * The route's deadline passed while the attempt in progress waited for its answer: a timeout, for its
     * breaker too, unless {@link EndpointBlame#excusesDeadline excused} (the attempt is cancelled then).
     */
    void timeOutCurrent() {
        OriginAttempt attempt = current;
        if (attempt != null && EndpointBlame.excusesDeadline(attempt, snapshot.ticker(), routeConfig)) {
            cancelCurrent();
            return;
        }
        timeOutAnswering();
    }

    /**
     * The attempt in progress had begun its response and then sent nothing for {@code server.idle-timeout}: a
     * timeout for its breaker however late the attempt was sent (see {@link EndpointBlame}).
     */
    void timeOutAnswering() {
        OriginAttempt attempt = current;
        if (attempt != null) {
            recorder.record(attempt, false, snapshot.ticker().read() - attempt.callStartNanos(), "timeout");
        }
        abandonCurrent();
    }

    /** Stops the current attempt; {@code cancelledLabel} counts one that had no outcome yet (null: not counted). */
    private void endCurrent(String cancelledLabel) {
        OriginAttempt attempt = current;
        if (attempt != null) {
            current = null;
            attempt.abandon();
            recorder.settleSuccess(attempt); // a relayed response the exchange stops reading did not fail upstream
            recorder.record(attempt, null, 0, cancelledLabel);
        }
    }

    // ---- attempts and retries -----------------------------------------------------------------------

    long nowNanos() {
        return snapshot.ticker().read();
    }

    long perTryTimeoutNanos() {
        return routeConfig.retry().perTryTimeout().toNanos();
    }

    /** The longest pause between two reads of a relayed response body: the route's response-idle-timeout; 0: none. */
    long responseIdleTimeoutNanos() {
        return routeConfig.responseIdleTimeout().toNanos();
    }

    /** How long an upstream may take none of the request body before the attempt times out: {@code server.idle-timeout}. */
    long uploadStallTimeoutNanos() {
        return snapshot.config().server().idleTimeout().toNanos();
    }

    /** The attempt failed before a usable response head. */
    void onAttemptFailed(OriginAttempt attempt, FailureKind kind, Throwable cause) {
        if (attempt != current || exchange.finished()) {
            return;
        }
        long now = snapshot.ticker().read();
        boolean stale = ConnectionFailureSigns.staleConnection(attempt, kind, clientResponse.responseStarted(), now);
        if (stale) {
            // Its idle siblings are suspect too: a retry, and the next requests, get fresh connections.
            snapshot.pools().closeIdle(ctx.channel().eventLoop(), attempt.endpoint().poolSettings());
            if (retries.resendsAfterStaleConnection()) {
                retries.staleConnectionSkipped();
                abandonCurrent(); // neither a failure nor an attempt: the connection was dead before it was used
                if (nextAttempt()) {
                    snapshot.observer().onRetry(route.name(), "stale-connection");
                }
                return;
            }
        }
        if (ConnectionFailureSigns.timedOutOnASilentPath(attempt, kind)) {
            // Left pooled, each idle connection would cost a request (or a retry) a whole per-try timeout in turn;
            // new ones to a vanished host fail in connect-timeout, and reach a live backend behind a Service address.
            snapshot.pools().closeIdle(ctx.channel().eventLoop(), attempt.endpoint().poolSettings());
        }
        long elapsed = now - attempt.callStartNanos();
        attempt.abandon();
        current = null;
        recorder.record(attempt, EndpointBlame.failedBeforeHead(attempt, stale), elapsed, kind.metricLabel());
        retries.attemptFailed(attempt, kind, cause);
        RetryDecision decision = retries.decideRetry(UpstreamFailure.of(kind), attempt, clientResponse.responseStarted());
        if (!retryOrReport(decision)) {
            retries.answerWithLastOutcome(exchange, kind, timing::retriedHeadUsed);
            return;
        }
        retries.failureRetried(kind, attempt.endpoint().label());
    }

    /**
     * The response head arrived. Returns true when the response is relayed to the client; false when
     * the exchange abandoned the attempt (to retry, or to answer with the envelope).
     */
    boolean onResponseHead(OriginAttempt attempt, HttpResponse response) {
        if (attempt != current || exchange.finished()) {
            attempt.abandon();
            return false;
        }
        long now = snapshot.ticker().read();
        timing.headArrived(now);
        long elapsed = now - attempt.callStartNanos();
        int status = response.status().code();
        recorder.responseHead(attempt, status, elapsed);
        if (status == 101) {
            current = null;
            exchange.switchToTunnel(attempt, response);
            return false;
        }
        String retryAfter = response.headers().get(HttpHeaderNames.RETRY_AFTER);
        if (retryAfter != null) { // the Date is looked up only then: most responses carry no Retry-After
            retryAfter = RetryAfter.againstSenderDate(retryAfter, response.headers().get(HttpHeaderNames.DATE),
                    snapshot.clock());
        }
        if (status >= 400) {
            RetryDecision decision = retries.decideRetry(UpstreamFailure.status(status, retryAfter), attempt,
                    clientResponse.responseStarted());
            if (decision.isRetry()) {
                attempt.discardResponse(response);
                recorder.settleSuccess(attempt);
                current = null;
                timing.headRetried();
                retries.statusRetried(status, retryAfter, ForwardedHeaders.keptOnRewrite(response),
                        attempt.endpoint().label());
                retryOrReport(decision);
                return false;
            }
            retries.reportSkipped(decision);
        }
        if (status >= 400 && UpstreamErrorPolicy.shouldRewrite(routeConfig.errors(), status,
                UpstreamErrorPolicy.soleValue(response.headers().getAll(HttpHeaderNames.CONTENT_TYPE)))) {
            attempt.discardResponse(response); // the upstream's body is never sent, only drained or cut
            recorder.settleSuccess(attempt);
            current = null;
            long seconds = retries.retryAfterSeconds(status, retryAfter);
            exchange.failUpstream(status, seconds, ForwardedHeaders.keptOnRewrite(response));
            return false;
        }
        Throwable noMemory = clientResponse.writeHead(response, body.complete());
        if (noMemory != null) {
            exchange.onInternalError(noMemory); // nothing went out: answered as the proxy's shortage
            return false;
        }
        exchange.responseProgressed(); // a silence right after the head is a stall too
        return true;
    }

    /** Schedules the retry a decision asks for; reports a skipped one. Returns whether it retries. */
    private boolean retryOrReport(RetryDecision decision) {
        if (!(decision instanceof RetryDecision.Retry retry)) {
            retries.reportSkipped(decision);
            return false;
        }
        // Counted when it is sent: a client that leaves during the backoff cancels a retry never sent, and a
        // breaker that opened meanwhile (another request's failure) stops one, which is then a skipped retry, as
        // one the breakers refused at the decision is. Either way the budget gets its grant back.
        Runnable retryNow = () -> {
            Start start = startAttempt();
            if (start == Start.STARTED) {
                snapshot.observer().onRetry(route.name(), retry.causeLabel());
                return;
            }
            retry.grant().giveBack();
            if (start == Start.NO_ENDPOINT) {
                snapshot.observer().onRetrySkipped(route.name(), RetryDecision.StopReason.CIRCUIT_OPEN.label());
            }
        };
        backoff.then(retry.delay().toNanos(), retry.grant(), guarded(retryNow));
        return true;
    }

    // ---- response relay ---------------------------------------------------------------------------

    /** Where the attempts hand what they relay. */
    AttemptRelay relay() {
        return relay;
    }

    /** The attempt that relayed the whole response is over. */
    void relayEnded() {
        current = null;
    }

    /** Whether the upstream relayed body within {@link EndpointBlame#fairWaitNanos}: a stream still flowing. */
    boolean bodyFlowingRecently() {
        return timing.bodyPartWithin(EndpointBlame.fairWaitNanos(routeConfig));
    }

    // ---- bugs ---------------------------------------------------------------------------------------

    /** See {@link Exchange#guarded}: a bug in an attempt's callback ends the exchange. */
    Runnable guarded(Runnable task) {
        return exchange.guarded(task);
    }

    void onInternalError(Throwable bug) {
        exchange.onInternalError(bug);
    }
}
