package dev.rampart.core.proxy;

import dev.rampart.core.resilience.FailureKind;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * What an {@link OriginAttempt} reads from its upstream before the final response head, and which heads it
 * cannot use. A head the decoder failed on, one with framing the proxy cannot relay faithfully, a 101 nobody
 * asked for, and anything that is not a head fail the attempt (retried as any failure, never relayed); an
 * interim (1xx) head is passed to the client or dropped, and its body skipped. It exists so that the attempt
 * keeps its state machine while these rules of HTTP live apart; they are static, so screening a head
 * allocates nothing per request. Each method releases what it is given.
 */
final class OriginHeadScreen {

    private OriginHeadScreen() {
    }

    /**
     * Whether {@code response} fails the attempt instead of answering it: the attempt's failure is reported and
     * the head released. A head cut short by a close is not malformed: the upstream closed before a complete
     * head, as with a reset (nginx, too, retries both alike). A 101 that switches to no protocol the request
     * asked for leaves the connection speaking something unknown.
     */
    static boolean failsAttempt(OriginAttempt attempt, AttemptLoop loop, HttpResponse response) {
        DecoderResult result = response.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(response);
            FailureKind kind = result.cause() instanceof PrematureChannelClosureException
                    ? FailureKind.RESET : FailureKind.BAD_RESPONSE;
            loop.onAttemptFailed(attempt, kind, result.cause());
            return true;
        }
        String framingProblem = ResponseValidation.problem(response);
        if (framingProblem != null) {
            ReferenceCountUtil.release(response);
            loop.onAttemptFailed(attempt, FailureKind.BAD_RESPONSE, new IllegalStateException(framingProblem));
            return true;
        }
        if (response.status().code() == 101
                && !(loop.upgradeRequested() && WebSocketUpgrade.switchesToWebSocket(response))) {
            ReferenceCountUtil.release(response);
            loop.onAttemptFailed(attempt, FailureKind.BAD_RESPONSE, null);
            return true;
        }
        return false;
    }

    /** Whether a usable head is an interim one, which the final head follows on the same connection. */
    static boolean isInterim(HttpResponse response) {
        int code = response.status().code();
        return code >= 100 && code < 200 && code != 101;
    }

    /**
     * Relays an interim head to the client, 103 Early Hints and the like (RFC 9110 §15.2), except 100 Continue,
     * which is the proxy's own business: it answered the client's Expect itself. Then reads on.
     */
    static void passInterim(OriginAttempt attempt, AttemptLoop loop, HttpResponse interim) {
        if (interim.status().code() != 100) {
            loop.relay().informational(attempt, interim);
        }
        ReferenceCountUtil.release(interim);
        attempt.connection().channel().read();
    }

    /** Drops a part of an interim response's (empty) body and reads on, toward the final head. */
    static void skipInterimBody(OriginAttempt attempt, HttpContent content) {
        content.release();
        attempt.connection().channel().read();
    }

    /** Something other than a head came where one was awaited: the upstream speaks no HTTP the proxy knows. */
    static void failUnexpected(OriginAttempt attempt, AttemptLoop loop, Object msg) {
        ReferenceCountUtil.release(msg);
        loop.onAttemptFailed(attempt, FailureKind.BAD_RESPONSE, null);
    }
}
