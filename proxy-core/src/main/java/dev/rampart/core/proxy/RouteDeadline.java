package dev.rampart.core.proxy;

import dev.rampart.core.errors.Reason;
import dev.rampart.core.timing.PollFirstTimeout;
import io.netty.util.concurrent.EventExecutor;

/**
 * A route's {@code timeout} for one exchange, and the judgement when it runs out: whose fault the lateness
 * was. An upstream that kept the proxy waiting is a timeout for its breaker (GATEWAY_TIMEOUT); a client too
 * slow with its body is not (REQUEST_TIMEOUT), or slow uploads would open healthy breakers; and a stream
 * still flowing when the route's limit cut it ends as a success for its endpoint.
 */
final class RouteDeadline {

    private final Exchange exchange;
    private final ClientResponseWriter clientResponse;
    private final AttemptLoop attempts;
    private final RequestBody body;
    private final RequestBodyIntake bodyIntake;
    private PollFirstTimeout timer;

    RouteDeadline(Exchange exchange, ClientResponseWriter clientResponse, AttemptLoop attempts, RequestBody body,
                  RequestBodyIntake bodyIntake) {
        this.exchange = exchange;
        this.clientResponse = clientResponse;
        this.attempts = attempts;
        this.body = body;
        this.bodyIntake = bodyIntake;
    }

    void arm(EventExecutor executor, long timeoutNanos) {
        // Behind the I/O ready when it falls due: a response that came while the process was stopped is delivered.
        timer = PollFirstTimeout.start(executor, timeoutNanos, exchange.guarded(this::expired));
    }

    void cancel() {
        if (timer != null) {
            timer.cancel();
        }
    }

    private void expired() {
        timer = null;
        if (exchange.finished()) {
            return;
        }
        if (clientResponse.responseWritten()) {
            // The answer is written whole, only its write still under way: one that another timer due in this
            // same turn of the loop wrote just before (a per-try or connect timeout after a pause of the
            // machine), or the end of the upstream's response. Cut now, it would be logged as cut by the
            // deadline, and its connection closed, though the client gets it all. A client that does not take
            // it is server.idle-timeout's to end, as while the response was still coming.
            return;
        }
        if (clientResponse.responseStarted()) {
            if (clientResponse.clientWritable() && !attempts.bodyFlowingRecently()
                    && !clientResponse.clientHasHalfClosed()) {
                // The relay was waiting for the upstream's next bytes, not for the client to take the last
                // ones, and none came for a per-try timeout: the upstream left its body unfinished, a timeout
                // for its breaker as before the head. A stream still flowing was cut by the route's own limit,
                // and ends as a success: five SSE clients must not open a healthy endpoint's breaker; nor five
                // that left a quiet one (their end of input is all a departed client shows until a write).
                attempts.timeOutCurrent();
            }
            exchange.endWith(Reason.GATEWAY_TIMEOUT, -1); // cut mid-body
            return;
        }
        OriginAttempt attempt = attempts.current();
        if (!body.complete() && (bodyIntake.collecting() || attempt != null && attempt.originWritable())) {
            // The proxy was waiting for the client's body, not for the upstream (which waits for it too):
            // the client was too slow. Blaming the upstream would let slow uploads open a healthy breaker.
            exchange.endWith(Reason.REQUEST_TIMEOUT, -1);
            return;
        }
        attempts.timeOutCurrent();
        exchange.endWith(Reason.GATEWAY_TIMEOUT, -1);
    }
}
