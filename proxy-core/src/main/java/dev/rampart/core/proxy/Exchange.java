package dev.rampart.core.proxy;

import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.routing.Route;
import dev.rampart.core.upstream.Upstream;
import dev.rampart.core.upstream.pool.OriginConnection;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * One request, from its head to the last byte of its response: the single owner of its lifecycle, its
 * deadline, its replayable body and its outcome. Runs entirely on the client's event loop. Its attempts
 * run in an {@link AttemptLoop} ("pick an endpoint → attempt → on failure ask the retry policy → back off
 * or stop"), whose "retry?" is answered by the {@link RetryBookkeeping}; what the client gets is written by
 * the {@link ClientResponseWriter}; the request body comes in through the {@link RequestBodyIntake}; its
 * {@link RouteDeadline} judges whose fault a late end was. Every path, theirs included, ends in exactly one
 * call of {@link #finish}.
 */
final class Exchange {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private final ClientRequestHandler client;
    private final ChannelHandlerContext ctx;
    private final ProxySnapshot snapshot;
    private final HttpRequest request;
    private final ExchangeOutcome outcome;
    private final Route route;
    private final RouteConfig routeConfig;
    private final Upstream upstream;
    private final RequestBody body;
    private final boolean upgrade;
    private final RetryBookkeeping retries;
    private final ClientResponseWriter clientResponse;
    private final AttemptLoop attempts;
    private final RequestBodyIntake bodyIntake;
    private final RouteDeadline deadline;
    private boolean bulkheadHeld;
    private boolean finished;
    private WebSocketTunnel tunnel;
    /** The verdict of the attempt that became the tunnel, whose load share ends with the exchange. */
    private AttemptVerdict tunnelAttempt;
    private boolean internalErrorLogged;

    Exchange(ClientRequestHandler client, ChannelHandlerContext ctx, ProxySnapshot snapshot, HttpRequest request,
             ExchangeOutcome outcome, Route route, Upstream upstream, HttpRequest originTemplate, boolean expectsBody,
             boolean upgrade, boolean hostPerEndpoint, long balancingKey) {
        this.client = client;
        this.ctx = ctx;
        this.snapshot = snapshot;
        this.request = request;
        this.outcome = outcome;
        this.route = route;
        this.routeConfig = route.config();
        this.upstream = upstream;
        this.body = new RequestBody(routeConfig.retry().replayBuffer(), expectsBody, snapshot.replayMemory(),
                snapshot.replayMemoryLimit());
        this.upgrade = upgrade;
        this.retries = new RetryBookkeeping(snapshot, request, originTemplate, outcome, route, upstream, body,
                outcome.startNanos() + routeConfig.timeout().toNanos());
        this.clientResponse = new ClientResponseWriter(client, ctx, snapshot, request, outcome, route, upstream);
        this.attempts = new AttemptLoop(this, ctx, snapshot, outcome, route, upstream, body, originTemplate, upgrade,
                hostPerEndpoint, balancingKey, retries, clientResponse);
        this.bodyIntake = new RequestBodyIntake(this, client, ctx, snapshot, request, outcome, body, attempts,
                clientResponse);
        this.deadline = new RouteDeadline(this, clientResponse, attempts, body, bodyIntake);
    }

    /** Whether the exchange has ended: every later event is too late and changes nothing. */
    boolean finished() {
        return finished;
    }

    Route route() {
        return route;
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
        deadline.arm(ctx.executor(), routeConfig.timeout().toNanos());
        if (!upgrade && body.readFirst(request)) {
            bodyIntake.collectFirst();
        } else {
            attempts.nextAttempt();
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
        clientResponse.releaseHeld();
        if (bulkheadHeld) {
            upstream.bulkhead().release();
        }
        if (tunnelAttempt != null) {
            tunnelAttempt.releaseHeldLoad();
        }
        client.exchangeFinished(this, outcome, body.complete() && !clientResponse.closesClientAfterResponse(),
                attempts.upstreamNanos());
    }

    private void cancelTimers() {
        attempts.cancelTimers();
        deadline.cancel();
    }

    // ---- request body ------------------------------------------------------------------------------

    /** Where the client's request body goes, and what ends the exchange for it (a broken framing, a stall). */
    RequestBodyIntake requestBody() {
        return bodyIntake;
    }

    // ---- the client's side ------------------------------------------------------------------------

    /** The client drained its buffer: let the upstream send more. */
    void onClientWritable() {
        if (tunnel != null) {
            tunnel.onClientWritable();
            return;
        }
        OriginAttempt attempt = attempts.current();
        if (attempt != null && clientResponse.responseStarted()) {
            attempt.resumeRelay();
        }
    }

    // ---- WebSocket ---------------------------------------------------------------------------------

    /**
     * The upstream switched to WebSocket: the 101 goes to the client, both connections drop HTTP and the
     * exchange lives on as a {@link WebSocketTunnel} until that closes. The route timeout bounded the
     * handshake only; the bulkhead slot is held for the tunnel's life (it is load on the upstream).
     */
    void switchToTunnel(OriginAttempt attempt, HttpResponse response) {
        tunnelAttempt = attempt.verdict();
        cancelTimers();
        OriginConnection conn = attempt.handOver();
        clientResponse.writeSwitchingProtocols(response);
        tunnel = new WebSocketTunnel(this, ctx.channel(), conn, outcome, snapshot.config().server());
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
            } catch (RuntimeException | AssertionError | OutOfMemoryError bug) {
                onInternalError(bug);
            }
        };
    }

    /**
     * A bug inside the proxy surfaced while this exchange ran. Logged once at ERROR with the request id
     * and the stack trace; the client gets INTERNAL_ERROR if nothing of the response was sent yet, and a
     * closed connection otherwise (the only honest end of a response that started). Running out of memory
     * for buffers is no bug but overload: 503 UPSTREAM_OVERLOADED, retryable, and a WARN once a second.
     */
    void onInternalError(Throwable bug) {
        boolean shortage = ResourceShortage.isMemory(bug);
        if (shortage || !internalErrorLogged) {
            internalErrorLogged |= !snapshot.shortages().reportFailure(log, outcome.requestId(), bug);
        }
        if (finished) {
            ctx.close();
            return;
        }
        endWith(shortage ? Reason.UPSTREAM_OVERLOADED : Reason.INTERNAL_ERROR, shortage ? 1 : -1);
    }

    /**
     * The response made no progress for {@code server.idle-timeout} since its head or its last body part,
     * whatever the route's timeout (nginx's {@code proxy_read_timeout} and {@code send_timeout}): the upstream
     * stopped sending (a timeout for its breaker, the response cut with GATEWAY_TIMEOUT), or the client
     * stopped taking it: with backpressure nothing more was read, or the upstream was done and the last
     * bytes wait for the client (gone, as far as the response can tell: logged with the status sent and
     * CLIENT_CLOSED).
     */
    void onResponseStalled() {
        if (finished || tunnel != null || !clientResponse.responseStarted()) {
            return;
        }
        if (!body.complete()) {
            responseProgressed(); // an upstream that answered early waits for the upload (request-body-timeout's)
            return;
        }
        if (attempts.current() != null && clientResponse.clientWritable() && !clientResponse.clientHasHalfClosed()) {
            attempts.timeOutAnswering();
            endWith(Reason.GATEWAY_TIMEOUT, -1);
        } else {
            // The upstream has sent all, or is held back for this client, which takes nothing. Recorded first:
            // the close fails the last write, whose listener would end the exchange as delivered.
            onClientClosed();
            ctx.close();
        }
    }

    /**
     * The upstream sent nothing of the response body for the route's {@code response-idle-timeout} while the
     * client took all it was sent: cut as {@link #onResponseStalled} cuts a silence of {@code server.idle-timeout}
     * (a timeout for the breaker, the connection to the upstream closed, the access log's GATEWAY_TIMEOUT with the
     * status sent). Returns false, changing nothing, while the request body is still being uploaded (an upstream
     * that answered early may wait for the rest, at the client's pace) or the client has half-closed.
     */
    boolean onResponseBodyIdle() {
        if (finished || tunnel != null || !clientResponse.responseStarted()) {
            return true;
        }
        if (!body.complete() || clientResponse.clientHasHalfClosed()) {
            return false;
        }
        attempts.timeOutAnswering();
        endWith(Reason.GATEWAY_TIMEOUT, -1);
        return true;
    }

    /** The response moved (its head, a part of its body): {@code server.idle-timeout} starts over. */
    void responseProgressed() {
        client.armIdleTimer();
    }

    /**
     * The drain's {@code shutdown-grace} ran out with this exchange unfinished: answered 503 SHUTTING_DOWN
     * (retryable, so the client can go elsewhere) when nothing of the response was sent, else cut, with
     * SHUTTING_DOWN as the reason either way. A WebSocket conversation ends with its connection, and is
     * logged with its 101 and SHUTTING_DOWN too.
     */
    void onShutdown() {
        if (finished) {
            return;
        }
        if (tunnel != null) {
            outcome.endedEarly(Reason.SHUTTING_DOWN); // logged with its 101 and this reason when the close ends it
            return;
        }
        endWith(Reason.SHUTTING_DOWN, -1);
    }

    /**
     * Ends the exchange for {@code reason}: its envelope when nothing of the response was sent, else a cut
     * connection, which the access log records with the status sent and this reason. A WebSocket tunnel is cut
     * on both sides: its upstream connection is tied to this exchange alone.
     */
    void endWith(Reason reason, long retryAfterSeconds) {
        if (tunnel != null) {
            tunnel.closeUpstreamSide(reason.name()); // the client's side is cut below, with the 101 as the status sent
        }
        if (clientResponse.responseStarted()) {
            outcome.endedEarly(reason);
            abort();
            return;
        }
        attempts.cancelCurrent(); // the upstream may have had part of the request: counted, as cancelled
        fail(reason, retryAfterSeconds);
    }

    /**
     * The client went away: cancel upstream work, release everything, record 499, or the status already sent
     * with the reason {@code CLIENT_CLOSED}.
     */
    void onClientClosed() {
        if (finished) {
            return;
        }
        if (tunnel != null) {
            tunnel.onClientClosed(); // the end of a WebSocket conversation, not a cancelled request
            return;
        }
        attempts.cancelCurrent();
        outcome.clientClosed(clientResponse.responseStarted());
        finish();
    }

    /**
     * The client shut its sending side after its whole request: true, and the response goes on to its end (then
     * the close), when it has started, since a client still reads it and a head without its body is worse than
     * no answer (HAProxy finishes it too; nginx 1.22 cuts it); false when the exchange is to be cancelled.
     */
    boolean finishForHalfClosedClient() {
        if (finished || tunnel != null || !clientResponse.responseStarted() || !body.complete()) {
            return false;
        }
        clientResponse.clientHalfClosed();
        return true;
    }

    /**
     * The upstream broke off its response mid-body: what it sent still reaches the client, and then the
     * connection closes, which shows the response unfinished (a body shorter than its Content-Length, or no
     * last chunk). Closing at once would throw away what a slow client has not taken yet: megabytes of a
     * download it could resume from, the last events of a stream. See {@code LingeringClose.close}.
     */
    void abortAfterQueued() {
        attempts.abandonCurrent();
        outcome.abortedAfterQueued();
        clientResponse.writeHeld();
        ctx.flush();
        finish();
    }

    /** Cuts the client connection after a partial response; the only honest signal left. */
    void abort() {
        attempts.abandonCurrent();
        outcome.aborted();
        clientResponse.writeHeld();
        CloseAfterWrites.close(ctx.channel()); // what was relayed so far goes out before the cut
        finish();
    }

    /**
     * Answers with the envelope of {@code reason}; the exchange ends once it is written. A retry still
     * waiting out its backoff is cancelled: once the client is being answered, no attempt may start.
     */
    void fail(Reason reason, long retryAfterSeconds) {
        attempts.cancelBackoff();
        clientResponse.fail(reason, retryAfterSeconds, retries.lastFailure(), body.complete())
                .addListener(finishWhenWritten());
    }

    /**
     * Answers with the envelope of an upstream error status; the exchange ends once it is written.
     *
     * @param kept the upstream's headers the status needs to mean anything (a 401's challenge), passed on
     */
    void failUpstream(int status, long retryAfterSeconds, List<Map.Entry<String, String>> kept) {
        clientResponse.failUpstream(status, retryAfterSeconds, retries.lastFailure(), body.complete(), kept)
                .addListener(finishWhenWritten());
    }

    /**
     * Ends the exchange once the client has its last byte: only then is the connection free for the next.
     * A last write that failed (the client gone, or no memory for the bytes) cut the response: the
     * connection closes, or the client would wait on it for an answer that never comes.
     */
    ChannelFutureListener finishWhenWritten() {
        return f -> guarded(() -> {
            if (!f.isSuccess() && !finished) {
                outcome.aborted();
                ctx.close();
            }
            finish();
        }).run();
    }
}
