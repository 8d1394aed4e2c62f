package dev.rampart.core.proxy;

import dev.rampart.core.errors.ErrorContext;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.observe.RequestIds;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;

/**
 * What becomes of a request head that never completed on a client connection: the client closed in the middle of
 * it (logged, nothing to answer), it took longer than {@code request-header-timeout} (408) or a drain's grace ran
 * out while it was coming (503). Such a head has no exchange and no {@link ServedRequest} of its own, so its answer
 * and its access-log line are made here from what the codec read of it.
 */
final class UnfinishedHeads {

    private final ProxyRuntime runtime;
    private final ChannelHandlerContext ctx;

    UnfinishedHeads(ProxyRuntime runtime, ChannelHandlerContext ctx) {
        this.runtime = runtime;
        this.ctx = ctx;
    }

    /**
     * The connection closed in the middle of a request head: {@code partial} when the decoder had read its
     * request line, null when it had not (its method and path are then "-"). Nothing can be answered; the
     * client that went away is logged as such (499).
     */
    void unfinishedHead(HttpRequest partial, String clientIp, long headStartNanos) {
        ProxySnapshot s = runtime.current();
        String requestId = partial == null ? RequestIds.generate() : s.requestIdOf(partial);
        long now = s.ticker().read();
        long start = startOfHead(headStartNanos, now);
        ExchangeOutcome outcome = partial == null
                ? new ExchangeOutcome(epochMillisAt(start, now), start, requestId, clientIp, "-", "-")
                : ExchangeOutcome.of(epochMillisAt(start, now), start, requestId, clientIp, partial, null);
        outcome.clientClosed(false);
        runtime.observer().onExchangeComplete(outcome.toRecord(now, -1));
    }

    /** A request's head did not complete in time: 408, the connection closes, and the request is logged. */
    void requestHeadTimedOut(String clientIp, long headStartNanos) {
        unfinishedHeadAnswered(Reason.REQUEST_TIMEOUT, clientIp, headStartNanos);
    }

    /**
     * The drain's grace ran out while a request head was still coming: 503 {@code SHUTTING_DOWN}, as an
     * exchange unfinished then is answered (a client may send it again elsewhere), and the connection closes.
     */
    void requestHeadCutByShutdown(String clientIp, long headStartNanos) {
        unfinishedHeadAnswered(Reason.SHUTTING_DOWN, clientIp, headStartNanos);
    }

    /**
     * Answers a head that is not complete with {@code reason}'s envelope, closes, and logs it: with its method and
     * path once its request line came whole (which endpoint a burst of 408s was after; nginx's {@code $request}
     * holds the line too), "-" for both before that. The path is the target's without its query, as for a head
     * the client cut or one refused after its line; nothing of the fields read so far is logged or believed.
     */
    private void unfinishedHeadAnswered(Reason reason, String clientIp, long headStartNanos) {
        ProxySnapshot s = runtime.current();
        String requestId = RequestIds.generate();
        ErrorContext error = ErrorContext.of(reason, requestId, null, null, 0);
        long now = s.ticker().read();
        long start = startOfHead(headStartNanos, now);
        ClientHttpCodec codec = ctx.pipeline().get(ClientHttpCodec.class);
        HttpMethod method = codec == null ? null : codec.methodOfUnfinishedHead();
        String target = codec == null ? null : codec.targetOfUnfinishedHead();
        ExchangeOutcome outcome = new ExchangeOutcome(epochMillisAt(start, now), start, requestId, clientIp,
                method == null ? "-" : method.name(), target == null ? "-" : ExchangeOutcome.pathOf(target))
                .withError(reason);
        // A HEAD is known to be one once its request line came whole: its answer has no content (RFC 9110 §9.3.2).
        boolean headOnly = HttpMethod.HEAD.equals(method);
        ClientResponder.writeError(ctx, s.renderer(), error, null, headOnly, ClientResponder.Keep.CLOSE, null,
                outcome, List.of()).addListener(ChannelFutureListener.CLOSE);
        runtime.observer().onExchangeComplete(outcome.toRecord(now, -1));
    }

    /**
     * A head that never completed is logged from its first byte, as nginx times a request: its duration is
     * the time the client took (a slow head's whole {@code request-header-timeout}), not the moment of the
     * 408 or the close.
     */
    private static long startOfHead(long headStartNanos, long now) {
        return headStartNanos == AwaitedHead.NONE ? now : headStartNanos;
    }

    private static long epochMillisAt(long startNanos, long now) {
        return System.currentTimeMillis() - (now - startNanos) / 1_000_000;
    }
}
