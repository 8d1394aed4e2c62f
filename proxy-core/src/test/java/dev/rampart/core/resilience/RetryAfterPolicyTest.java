package dev.rampart.core.resilience;

import dev.rampart.core.config.RetryAfterConfig;
import dev.rampart.core.resilience.RetryDecision.Retry;
import dev.rampart.core.resilience.RetryDecision.StopReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;

import static dev.rampart.core.config.RetryOn.GATEWAY_ERROR;
import static dev.rampart.core.config.RetryOn.RESET;
import static dev.rampart.core.config.RetryOn.STATUS_CODES;

/**
 * Retry-After on a 429 or 503: waited for when longer than the backoff, up to its configured maximum, measured on
 * the clock when it is a date, and held to the endpoint that sent it.
 */
class RetryAfterPolicyTest extends RetryPolicyFixture {

    @Test
    void retryAfterOn503IsWaitedWhenLongerThanTheBackoff() {
        assertRetry(decide(status(503, "2")), Duration.ofSeconds(2), GATEWAY_ERROR);
    }

    @Test
    void theBackoffIsKeptWhenRetryAfterIsShorter() {
        assertRetry(decide(status(503, "0")), BACKOFF_1, GATEWAY_ERROR);
    }

    @Test
    void retryAfterOn429IsHonouredWhen429IsRetried() {
        statusCodes = Set.of(429);
        assertRetry(decide(status(429, "3")), Duration.ofSeconds(3), STATUS_CODES);
    }

    @Test
    void retryAfterAsAnHttpDateIsMeasuredOnTheClock() {
        assertRetry(decide(status(503, "Sat, 01 Mar 2025 12:00:04 GMT")), Duration.ofSeconds(4), GATEWAY_ERROR);
    }

    @Test
    void retryAfterLongerThanTheMaxIsNotWaitedForAndNotRetried() {
        assertStop(decide(status(503, "6")), StopReason.NOT_RETRYABLE);
        assertRetry(decide(status(503, "5")), Duration.ofSeconds(5), GATEWAY_ERROR);
    }

    @Test
    void retryAfterLongerThanTheMaxIsNotRetryableWhateverOtherLimitItAlsoMeets() {
        // Not a skipped retry of any why, as a status the route does not retry is not, on any attempt or method.
        assertStop(decide(status(503, "6").method("POST")), StopReason.NOT_RETRYABLE);
        assertStop(decide(status(503, "6").attemptsMade(3)), StopReason.NOT_RETRYABLE);
        assertStop(decide(status(503, "6").bytesSent(true).bodyReplayable(false)), StopReason.NOT_RETRYABLE);
        // within the max, those limits are what stops it
        assertStop(decide(status(503, "5").method("POST")), StopReason.METHOD);
        assertStop(decide(status(503, "5").attemptsMade(3)), StopReason.ATTEMPTS);
    }

    @Test
    void retryAfterIsTheSendingEndpointsAndDoesNotHoldARetryThatGoesToAnother() {
        // Another endpoint not tried yet takes the retry: at the backoff, whatever this one asked for.
        assertRetry(decide(status(503, "4").untriedEndpointRemains(true)), BACKOFF_1, GATEWAY_ERROR);
        assertRetry(decide(status(503, "30").untriedEndpointRemains(true)), BACKOFF_1, GATEWAY_ERROR);
        // Back to the same endpoint: its Retry-After holds.
        assertRetry(decide(status(503, "4").untriedEndpointRemains(false)), Duration.ofSeconds(4), GATEWAY_ERROR);
        assertStop(decide(status(503, "30").untriedEndpointRemains(false)), StopReason.NOT_RETRYABLE);
    }

    @Test
    void aRetryBackToAnotherTriedEndpointHoldsToWhatThatOneAsked() {
        // The endpoint that just failed asked for 30 s; the retry goes to the other one, which asked for none.
        assertRetry(decide(status(503, "30").retryAfterOfNextEndpoints(Duration.ZERO)), BACKOFF_1, GATEWAY_ERROR);
        // The other one asked for 4 s earlier in this exchange: the retry waits for it, whatever this one said.
        assertRetry(decide(status(503, null).retryAfterOfNextEndpoints(Duration.ofSeconds(4))), Duration.ofSeconds(4),
                GATEWAY_ERROR);
        assertStop(decide(status(503, null).retryAfterOfNextEndpoints(Duration.ofSeconds(30))), StopReason.NOT_RETRYABLE);
        assertRetry(decide(failed(FailureKind.RESET).retryAfterOfNextEndpoints(Duration.ofSeconds(2))),
                Duration.ofSeconds(2), RESET);
    }

    @Test
    void retryAfterBeyondTheDeadlineStopsWithDeadline() {
        long threeSeconds = Duration.ofSeconds(3).toNanos();
        assertStop(decide(status(503, "3").nanosUntilDeadline(threeSeconds)), StopReason.DEADLINE);
        assertRetry(decide(status(503, "2").nanosUntilDeadline(threeSeconds)), Duration.ofSeconds(2), GATEWAY_ERROR);
    }

    @Test
    void retryAfterLongerThanTheMaxIsNotRetryableWhateverTimeIsLeft() {
        // One answer, one verdict: not a skipped retry (why=deadline) with little time left and an uncounted
        // one with much.
        assertStop(decide(status(503, "60").nanosUntilDeadline(Duration.ofSeconds(3).toNanos())),
                StopReason.NOT_RETRYABLE);
        assertStop(decide(status(503, "60").nanosUntilDeadline(Duration.ofMinutes(5).toNanos())),
                StopReason.NOT_RETRYABLE);
    }

    @Test
    void retryAfterIsIgnoredWhenNotHonoured() {
        retryAfter = new RetryAfterConfig(false, Duration.ofSeconds(5));
        assertRetry(decide(status(503, "3")), BACKOFF_1, GATEWAY_ERROR);
        assertRetry(decide(status(503, "60")), BACKOFF_1, GATEWAY_ERROR);
    }

    @Test
    void retryAfterIsIgnoredOnOtherStatuses() {
        assertRetry(decide(status(502, "3")), BACKOFF_1, GATEWAY_ERROR);
        assertRetry(decide(status(504, "60")), BACKOFF_1, GATEWAY_ERROR);
    }

    @Test
    void anUnparseableRetryAfterFallsBackToTheBackoff() {
        assertRetry(decide(status(503, "soon")), BACKOFF_1, GATEWAY_ERROR);
        assertRetry(decide(status(503, "-1")), BACKOFF_1, GATEWAY_ERROR);
    }
}
