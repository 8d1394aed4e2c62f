package dev.rampart.core.proxy;

import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.routing.Route;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downstream side of one client connection: reads one request at a time (auto-read is off and a
 * flow-control handler hands over one message per read), answers what the proxy can answer itself
 * (malformed requests, no route, direct responses), starts an {@link Exchange} for the rest, and decides
 * after each response whether the connection stays open (by the rules of {@link ClientKeepAlive}). Its timers
 * are in {@link ClientConnectionTimers}, the answers it gives by itself in {@link ClientAnswers}, the bookkeeping
 * of the request it is serving in {@link ServedRequest}.
 */
final class ClientRequestHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ClientRequestHandler.class);

    private final ProxyRuntime runtime;
    private final String scheme;
    /** The raw-byte side of the decoder: holds what follows an upgrade request until it is answered. */
    private final RequestHeadGuard heads;
    private ChannelHandlerContext ctx;
    /** The request being served: its configuration, head, outcome, and whether it is in flight. */
    private ServedRequest served;
    private Exchange exchange;
    private WebSocketTunnel tunnel;
    /** Whether a head is awaited, and when it (or a TLS record that may hold it) began to arrive. */
    private final AwaitedHead awaited;
    private ClientReads reads;
    /** A pipelined request that arrived while the current one was in flight; served after it. */
    private HttpRequest heldHead;
    private ClientConnectionTimers timers;
    private ClientAnswers answers;
    private UnfinishedHeads unfinishedHeads;
    /** On a TLS listener, whether the client is in the middle of a record; null on a plain one. */
    private TlsRecordProgress tlsRecords;
    /** The client shut its sending side: nothing more can arrive, so nothing is left unread at the close. */
    private boolean inputEnded;

    ClientRequestHandler(ProxyRuntime runtime, boolean tls, RequestHeadGuard heads) {
        this.runtime = runtime;
        this.scheme = tls ? "https" : "http";
        this.heads = heads;
        this.awaited = new AwaitedHead(runtime);
        heads.whenHeadBytesArrive(awaited::bytesReceived);
        heads.whenTooMuchIsHeld(this::onTooMuchHeld);
    }

    /** Too much came before the upgrade was answered: its exchange ends 400 (a close if it waits in line). */
    private void onTooMuchHeld() {
        if (heldHead != null || !toExchange(active -> active.requestBody().onMalformed())) {
            ctx.close();
        }
    }

    /** Tells the exchange in flight of {@code event}; false when there is none. */
    private boolean toExchange(java.util.function.Consumer<Exchange> event) {
        Exchange active = exchange;
        if (active != null) {
            event.accept(active);
        }
        return active != null;
    }

    // ---- connection events -------------------------------------------------------------------------

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        reads = new ClientReads(ctx, () -> toExchange(active -> active.requestBody().flush()));
        timers = new ClientConnectionTimers(ctx.executor(), this::onIdleTimeout, this::onHeadTimeout);
        awaited.useTimers(timers);
        served = new ServedRequest(runtime, ForwardedHeaders.clientIp(ProxyProtocolHeader.clientOf(ctx.channel())));
        answers = new ClientAnswers(this, runtime, ctx, served);
        unfinishedHeads = new UnfinishedHeads(runtime, ctx);
        timers.armFirstRequestWait(runtime.current().config().server());
        reads.request();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timers.cancelAll();
        if (!toExchange(Exchange::onClientClosed) && answers.droppingBody()) {
            answers.endDrop(false); // the answer was written; the body never came
        }
        if (awaited.giveUp()) {
            // Cut before its request line was whole: the decoder says nothing of such a head (of one cut later
            // it gives what it read, see onMessage), but a client that sent part of a request and left is logged.
            unfinishedHeads.unfinishedHead(null, served.peerIp(), awaited.headStart());
        }
        ctx.fireChannelInactive();
    }

    /**
     * The client shut its sending side: a request still waiting for its answer is cancelled, the client taken as
     * gone (as nginx does); true when a response under way is finished instead, the connection closed after it,
     * which needs the connection still able to carry it ({@code canStillSend}: not after a TLS 1.2 close_notify).
     */
    boolean clientInputEnded(boolean canStillSend) {
        inputEnded = true;
        Exchange active = exchange;
        if (canStillSend && active != null && active.finishForHalfClosedClient()) {
            return true;
        }
        toExchange(Exchange::onClientClosed);
        return false;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            toExchange(Exchange::onClientWritable);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Netty hands this handler what its own callbacks threw as well as the connection's I/O failures.
     * Resets, broken pipes and TLS garbage from clients are routine, not errors of the proxy; anything
     * else is a bug, answered with INTERNAL_ERROR where possible and logged once at ERROR.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException || cause instanceof io.netty.handler.codec.DecoderException
                || cause instanceof javax.net.ssl.SSLException) {
            log.debug("client connection {} failed", ctx.channel(), cause);
            ctx.close();
            return;
        }
        if (!toExchange(active -> active.onInternalError(cause))) {
            answers.failedWithoutExchange(cause);
        }
    }

    /** On a TLS listener: told after each read whether it ended inside a record. */
    void followTlsRecords(TlsRecordProgress records) {
        this.tlsRecords = records;
    }

    /** Whether a head is awaited and since when: told of the client's TLS records by {@link TlsRecordProgress}. */
    AwaitedHead awaitedHead() {
        return awaited;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reads.readComplete();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reads.delivering();
        try {
            onMessage(msg);
        } finally {
            reads.delivered();
        }
    }

    private void onMessage(Object msg) {
        WebSocketTunnel raw = tunnel;
        if (raw != null) {
            // The tunnel asks for the client's next read itself, when the upstream can take more: a read
            // still pending here would make channelReadComplete read on regardless.
            raw.fromClient(msg);
            return;
        }
        if (!awaited.awaited() && !served.inFlight()) {
            ReferenceCountUtil.release(msg); // closing (what was queued still going out): nothing more is served
            return;
        }
        if (msg instanceof HttpRequest head) {
            if (head.decoderResult().isFailure()) {
                // The decoder's stand-in for an unparseable head may carry an (empty) body buffer.
                ReferenceCountUtil.release(head);
                if (head.decoderResult().cause() instanceof io.netty.handler.codec.PrematureChannelClosureException) {
                    if (awaited.giveUp()) { // closed mid-head (not after a 408, which told the story)
                        unfinishedHeads.unfinishedHead(head, served.peerIp(), awaited.headStart());
                    }
                    return;
                }
            }
            if (exchange != null) {
                heldHead = head; // pipelined: no more reads until the current exchange is done
                return;
            }
            onRequestHead(head);
        } else if (msg instanceof HttpContent content) {
            timers.cancelBody();
            if (answers.droppingBody()) {
                served.outcome().addBytesIn(content.content().readableBytes()); // read, as nginx counts it, though dropped
                answers.dropBodyPart(content); // the request was answered without its body
                return;
            }
            if (content.decoderResult().isFailure()) {
                // A broken chunk: the rest of the stream has no trustworthy framing, so nothing more is read
                // and the connection closes once the answer (if any is still possible) is written.
                content.release();
                toExchange(active -> active.requestBody().onMalformed());
                return;
            }
            Exchange active = exchange;
            if (active != null && active.requestBody().complete()) {
                content.release(); // the empty end of a body-less request, read while watching for a close
                watchForClose();
            } else if (active != null) {
                active.requestBody().onContent(content);
                if (content instanceof io.netty.handler.codec.http.LastHttpContent) {
                    watchForClose();
                }
            } else {
                content.release(); // e.g. the empty end of a body-less request: nothing waits for it
                reads.request();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    // ---- one request -------------------------------------------------------------------------------

    private void onRequestHead(HttpRequest head) {
        awaited.arrived();
        timers.headArrived();
        RequestAdmission admission = served.begin(head);
        answers.requestBegun(served.snapshot().config().server().maxRequestsPerConnection());
        if (admission.refusal() != null) {
            answers.failEarly(admission.refusal(), admission.retryAfterSeconds(), admission.challenge());
            return;
        }
        Route route = admission.route();
        RouteConfig rc = route.config();
        if (answers.answerByItself(rc, admission.target())) {
            return;
        }
        long contentLength = ClientHttpCodec.declaredLength(head, 0L); // 0 for a chunked body, counted as it arrives
        exchange = ExchangeFactory.forRoute(this, ctx, served.snapshot(), head, contentLength, served.outcome(), route,
                admission.target(), admission.claimHeaders(), served.clientIp(), served.peerIp(), scheme);
        exchange.start();
        watchForClose();
    }

    /**
     * Keeps one read outstanding while an exchange with its whole request waits or relays: with
     * auto-read off, NIO only notices that the client closed while a read is pending, and a client that
     * went away must cancel the upstream attempt. What such a read brings is the end of the current
     * request (dropped) or a pipelined next request (held until this one is done).
     */
    private void watchForClose() {
        Exchange active = exchange;
        if (active != null && active.requestBody().complete() && heldHead == null && ctx.channel().isActive()) {
            reads.request();
        }
    }

    // ---- called by the exchange ---------------------------------------------------------------------

    void readBody() {
        long timeout = served.snapshot().config().server().requestBodyTimeout().toNanos();
        timers.armBody(timeout, this::onBodyTimeout);
        reads.request();
    }

    /**
     * After a 101 was written: the HTTP handlers leave the pipeline and all that is read goes to the tunnel,
     * first what they still held (the upgrade request's empty end, bytes the decoder had buffered behind it),
     * then what the head guard held back. This handler stays as the connection's owner.
     */
    void switchToTunnel(WebSocketTunnel raw) {
        tunnel = raw;
        timers.cancelBody();
        ByteBuf early = heads.takeHeld();
        ClientChannelInitializer.removeHttpHandlers(ctx.pipeline());
        if (early != null) {
            raw.fromClient(early); // sent behind the upgrade request, before the 101: after all the above
        }
    }

    /** The WebSocket tunnel this connection became, if it did: for tests that plant a failure on its far side. */
    WebSocketTunnel tunnel() {
        return tunnel;
    }

    /** Whether the client sent {@code head}'s body, or its start, in the same read as the head (see {@link RequestHeadGuard}). */
    boolean bodyCameWithHead(HttpRequest head) {
        return heads.bytesCameBehind(head);
    }

    /** Whether a message from the client is being handled (see {@link ClientReads#inDelivery}). */
    boolean inDelivery() {
        return reads.inDelivery();
    }

    /** The answers the connection gives itself: the exchange's envelopes and the keep-alive rule among them. */
    ClientAnswers answers() {
        return answers;
    }

    void exchangeFinished(Exchange finished, ExchangeOutcome done, boolean requestBodyConsumed, long upstreamNanos) {
        if (finished != exchange) {
            return;
        }
        exchange = null;
        requestDone(requestBodyConsumed && !done.wasAborted() && !done.clientLeft(),
                finished.requestBody().complete(), upstreamNanos);
    }

    /** Logs the request, then reads the next one or closes (lingering when the body was not read whole). */
    void requestDone(boolean requestBodyConsumed, boolean bodyReadWhole, long upstreamNanos) {
        if (!served.inFlight()) {
            return; // ended already by an internal failure, which closed the connection
        }
        timers.cancelBody();
        served.reportAndEnd(upstreamNanos);
        HttpRequest answered = served.head();
        boolean keepAlive = answers.keepAliveAfter(answered, requestBodyConsumed);
        served.forgetHead();
        awaited.awaitNext();
        if (!ctx.channel().isActive()) {
            return;
        }
        HttpRequest next = heldHead;
        heldHead = null;
        if (keepAlive && next != null) {
            onRequestHead(next);
        } else if (keepAlive) {
            armIdleTimer();
            ClientKeepAlive.awaitNextRequest(heads, answered, awaited, tlsRecords, reads);
        } else {
            ClientKeepAlive.closeAfterLastRequest(ctx, runtime.current().config().server(), awaited, timers, heads,
                    !bodyReadWhole || next != null || tunnel != null, inputEnded, served.outcome());
        }
    }

    /**
     * {@code server.idle-timeout} starts over: for a connection awaiting its next request, or for a response
     * in progress, whose relay re-arms it at every step (one deadline per connection: a response costs no
     * timer of its own).
     */
    void armIdleTimer() {
        timers.armIdle(runtime.current().config().server().idleTimeout().toNanos());
    }

    /** Nothing moved for {@code idle-timeout}: the response in progress stalled, or the connection is idle. */
    private void onIdleTimeout() {
        Exchange active = exchange;
        if (active != null) {
            active.guarded(active::onResponseStalled).run();
        } else {
            ClientKeepAlive.idleTimedOut(awaited, timers, runtime, ctx);
        }
    }

    void closeIfIdle() {
        ClientKeepAlive.closeIfIdle(awaited, ctx);
    }

    void closeIfKeptAliveIdle() {
        ClientKeepAlive.closeIfKeptAliveIdle(answers, awaited, ctx);
    }

    /**
     * The drain's grace is over: the exchange still running ends now (see {@link Exchange#onShutdown}), and a
     * head still coming is answered {@code SHUTTING_DOWN} rather than cut without a word.
     */
    void endForShutdown() {
        if (!toExchange(Exchange::onShutdown) && awaited.giveUp()) {
            // answered and logged: the close that follows is not the client leaving
            unfinishedHeads.requestHeadCutByShutdown(served.peerIp(), awaited.start());
        }
    }

    private void onHeadTimeout() {
        if (awaited.awaited()) {
            awaited.stopAwaiting(); // answered (408) and logged: the head the close cuts short is not logged again
            unfinishedHeads.requestHeadTimedOut(served.peerIp(), awaited.start());
        }
    }

    private void onBodyTimeout() {
        if (!toExchange(active -> active.requestBody().onTimeout()) && answers.droppingBody()) {
            answers.endDrop(false);
        }
    }
}
