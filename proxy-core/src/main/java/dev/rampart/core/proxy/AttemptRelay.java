package dev.rampart.core.proxy;

import dev.rampart.core.resilience.FailureKind;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response side of an {@link AttemptLoop}, once an attempt's head was taken: what the relaying attempt
 * reports (interim responses, body parts, the end, a break mid-body, room for more request body) carried to
 * the client's {@link ClientResponseWriter} and to the {@link Exchange}. Events of an attempt that is no longer
 * the loop's current one are dropped.
 */
final class AttemptRelay {

    /** Logs under the exchange's name: it reports on the exchange, and log filters are set by that name. */
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private final AttemptLoop loop;
    private final Exchange exchange;
    private final ProxySnapshot snapshot;
    private final ExchangeOutcome outcome;
    private final RequestBody body;
    private final ClientResponseWriter clientResponse;
    private final AttemptRecorder recorder;
    private final UpstreamTiming timing;

    AttemptRelay(AttemptLoop loop, Exchange exchange, ProxySnapshot snapshot, ExchangeOutcome outcome,
                 RequestBody body, ClientResponseWriter clientResponse, AttemptRecorder recorder, UpstreamTiming timing) {
        this.loop = loop;
        this.exchange = exchange;
        this.snapshot = snapshot;
        this.outcome = outcome;
        this.body = body;
        this.clientResponse = clientResponse;
        this.recorder = recorder;
        this.timing = timing;
    }

    boolean clientWritable() {
        return clientResponse.clientWritable();
    }

    /** An interim (1xx) response ahead of the final one: passed on while it can still mean something. */
    void informational(OriginAttempt attempt, HttpResponse interim) {
        if (attempt == loop.current() && !exchange.finished()) {
            clientResponse.writeInformational(interim);
        }
    }

    void content(HttpContent content) {
        timing.bodyPartArrived();
        exchange.responseProgressed();
        clientResponse.relayContent(content);
    }

    /** The upstream read that brought the relayed parts is handled (by the relaying, current attempt). */
    void readComplete() {
        clientResponse.flushRelayed();
    }

    void last(OriginAttempt attempt, LastHttpContent last) {
        loop.relayEnded();
        ChannelFuture written = clientResponse.relayLast(last);
        recorder.settleSuccess(attempt);
        written.addListener(exchange.finishWhenWritten());
    }

    void originWritable(OriginAttempt attempt) {
        if (attempt == loop.current() && !body.complete()) {
            exchange.requestBody().requestMore(); // the upstream can take more
        }
    }

    /**
     * The upstream broke off mid-response (closed, reset, or sent a malformed body): the client can only
     * see a cut connection. The attempt failed, whatever its head said: the breaker counts a failure and
     * the access log keeps the status sent with the failure's reason.
     */
    void broken(OriginAttempt attempt, FailureKind kind) {
        if (attempt != loop.current() || exchange.finished()) {
            return;
        }
        log.info("request {}: upstream {} broke off the response mid-body ({})", outcome.requestId(),
                attempt.endpoint().label(), kind.reason());
        // A success its head deferred becomes this failure; an outcome already recorded at the head stays.
        recorder.record(attempt, false, snapshot.ticker().read() - attempt.callStartNanos(), kind.metricLabel());
        outcome.endedEarly(kind.reason());
        exchange.abortAfterQueued();
    }

    /**
     * The upstream sent nothing more of the body for the route's {@code response-idle-timeout} while the client
     * took all of it: the response is cut as {@link Exchange#onResponseBodyIdle} says. Returns false when the
     * exchange found the wait not the upstream's, so the attempt times the next one.
     */
    boolean stalled(OriginAttempt attempt) {
        if (attempt != loop.current() || exchange.finished()) {
            return true;
        }
        if (!exchange.onResponseBodyIdle()) {
            return false;
        }
        log.info("request {}: upstream {} sent nothing of the response body for response-idle-timeout ({}ms);"
                + " the response was cut", outcome.requestId(), attempt.endpoint().label(),
                loop.responseIdleTimeoutNanos() / 1_000_000);
        return true;
    }
}
