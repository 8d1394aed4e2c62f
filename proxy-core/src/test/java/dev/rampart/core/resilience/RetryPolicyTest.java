package dev.rampart.core.resilience;

import dev.rampart.core.config.RetryOn;
import dev.rampart.core.resilience.RetryDecision.Retry;
import dev.rampart.core.resilience.RetryDecision.Stop;
import dev.rampart.core.resilience.RetryDecision.StopReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.rampart.core.config.RetryOn.CONNECT_FAILURE;
import static dev.rampart.core.config.RetryOn.GATEWAY_ERROR;
import static dev.rampart.core.config.RetryOn.RESET;
import static dev.rampart.core.config.RetryOn.SERVER_ERROR;
import static dev.rampart.core.config.RetryOn.STATUS_CODES;
import static dev.rampart.core.config.RetryOn.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * One test per rule of PRODUCT §2 "Rules that go with it", each built so that it fails when its rule
 * is removed: every other rule would let the retry through.
 */
class RetryPolicyTest extends RetryPolicyFixture {

    // --- the failure is in `on` ---

    @Test
    void aFailureInOnIsRetriedAfterTheBackoff() {
        RetryDecision decision = decide(failed(FailureKind.RESET));
        assertRetry(decision, BACKOFF_1, RESET);
        assertEquals("reset", ((Retry) decision).causeLabel());
        assertEquals(1, budget.asked, "a granted retry takes from the budget");
    }

    @Test
    void aFailureNotInOnIsNotRetried() {
        on = EnumSet.of(CONNECT_FAILURE, TIMEOUT);
        assertStop(decide(failed(FailureKind.RESET)), StopReason.NOT_RETRYABLE);
        assertRetry(decide(failed(FailureKind.TIMEOUT)), BACKOFF_1, TIMEOUT);
    }

    @Test
    void connectFailureCoversRefusedTimeoutAndUnreachable() {
        on = EnumSet.of(CONNECT_FAILURE);
        assertRetry(decide(failed(FailureKind.CONNECT_REFUSED)), BACKOFF_1, CONNECT_FAILURE);
        assertRetry(decide(failed(FailureKind.CONNECT_TIMEOUT)), BACKOFF_1, CONNECT_FAILURE);
        assertRetry(decide(failed(FailureKind.UNREACHABLE)), BACKOFF_1, CONNECT_FAILURE);
        on = EnumSet.of(RESET, TIMEOUT, GATEWAY_ERROR);
        assertStop(decide(failed(FailureKind.CONNECT_REFUSED)), StopReason.NOT_RETRYABLE);
    }

    @Test
    void aMalformedResponseIsNeverRetried() {
        on = EnumSet.allOf(RetryOn.class);
        assertStop(decide(failed(FailureKind.BAD_RESPONSE)), StopReason.NOT_RETRYABLE);
    }

    @Test
    void gatewayErrorIs502503And504Only() {
        on = EnumSet.of(GATEWAY_ERROR);
        assertRetry(decide(status(502)), BACKOFF_1, GATEWAY_ERROR);
        assertRetry(decide(status(503)), BACKOFF_1, GATEWAY_ERROR);
        assertRetry(decide(status(504)), BACKOFF_1, GATEWAY_ERROR);
        assertStop(decide(status(500)), StopReason.NOT_RETRYABLE);
        assertStop(decide(status(429)), StopReason.NOT_RETRYABLE);
    }

    @Test
    void fiveXxIsEvery5xxBut501() {
        on = EnumSet.of(SERVER_ERROR);
        assertRetry(decide(status(500)), BACKOFF_1, SERVER_ERROR);
        assertRetry(decide(status(503)), BACKOFF_1, SERVER_ERROR);
        assertRetry(decide(status(599)), BACKOFF_1, SERVER_ERROR);
        assertStop(decide(status(501)), StopReason.NOT_RETRYABLE);
        assertStop(decide(status(404)), StopReason.NOT_RETRYABLE);
    }

    @Test
    void gatewayErrorIsTheCauseWhenBothGatewayErrorAnd5xxMatch() {
        on = EnumSet.of(SERVER_ERROR, GATEWAY_ERROR);
        assertRetry(decide(status(503)), BACKOFF_1, GATEWAY_ERROR);
        assertRetry(decide(status(500)), BACKOFF_1, SERVER_ERROR);
    }

    @Test
    void aNonEmptyStatusCodesListIsRetriedEvenWhenStatusCodesIsNotInOn() {
        on = EnumSet.of(CONNECT_FAILURE);
        statusCodes = Set.of(429, 409);
        RetryDecision decision = decide(status(409));
        assertRetry(decision, BACKOFF_1, STATUS_CODES);
        assertEquals("status-codes", ((Retry) decision).causeLabel());
        assertStop(decide(status(418)), StopReason.NOT_RETRYABLE);
    }

    @Test
    void statusCodesInOnWithAnEmptyListRetriesNothingExtra() {
        on = EnumSet.of(STATUS_CODES);
        assertStop(decide(status(429)), StopReason.NOT_RETRYABLE);
        assertStop(decide(status(503)), StopReason.NOT_RETRYABLE);
    }

    // --- idempotent method, idempotency key, or connect failure ---

    @Test
    void aNonIdempotentMethodIsNotRetried() {
        assertStop(decide(failed(FailureKind.RESET).method("POST")), StopReason.METHOD);
        assertStop(decide(status(503).method("PATCH")), StopReason.METHOD);
        assertRetry(decide(failed(FailureKind.RESET).method("PUT")), BACKOFF_1, RESET);
    }

    @Test
    void theConfiguredIdempotentMethodsAreTheOnesThatCount() {
        idempotentMethods = Set.of("GET", "POST");
        assertRetry(decide(failed(FailureKind.RESET).method("POST")), BACKOFF_1, RESET);
        assertStop(decide(failed(FailureKind.RESET).method("PUT")), StopReason.METHOD);
    }

    @Test
    void anIdempotencyKeyMakesAnyMethodRetryable() {
        assertRetry(decide(failed(FailureKind.RESET).method("POST").hasIdempotencyKey(true)), BACKOFF_1, RESET);
    }

    @Test
    void aConnectFailureIsRetryableWhateverTheMethod() {
        assertRetry(decide(failed(FailureKind.CONNECT_TIMEOUT).method("POST")), BACKOFF_1, CONNECT_FAILURE);
        assertRetry(decide(failed(FailureKind.UNREACHABLE).method("PATCH")), BACKOFF_1, CONNECT_FAILURE);
    }

    // --- attempts remain ---

    @Test
    void noRetryOnceAttemptsAreUsedUp() {
        assertRetry(decide(failed(FailureKind.RESET).attemptsMade(2)), Duration.ofMillis(200), RESET);
        assertStop(decide(failed(FailureKind.RESET).attemptsMade(3)), StopReason.ATTEMPTS);
    }

    @Test
    void aRouteOfOneAttemptSkipsNoRetryItNeverHad() {
        attempts = 1;
        assertStop(decide(failed(FailureKind.RESET)), StopReason.NOT_RETRYABLE);
        assertStop(decide(failed(FailureKind.CONNECT_REFUSED).method("POST")), StopReason.NOT_RETRYABLE);
    }

    @Test
    void theBackoffIsTheOneOfTheRetryAboutToBeMade() {
        attempts = 10;
        assertRetry(decide(failed(FailureKind.RESET).attemptsMade(1)), Duration.ofMillis(100), RESET);
        assertRetry(decide(failed(FailureKind.RESET).attemptsMade(3)), Duration.ofMillis(400), RESET);
        assertRetry(decide(failed(FailureKind.RESET).attemptsMade(9)), Duration.ofSeconds(2), RESET);
    }

    // --- the budget allows it, asked last ---

    @Test
    void anEmptyBudgetStopsTheRetry() {
        budget.allow = false;
        assertStop(decide(failed(FailureKind.RESET)), StopReason.BUDGET);
        assertEquals(1, budget.asked);
    }

    @Test
    void theBudgetIsNotTouchedWhenAnyOtherRuleStops() {
        budget.allow = false;
        assertStop(decide(failed(FailureKind.RESET).responseStarted(true)), StopReason.NOT_RETRYABLE);
        assertStop(decide(failed(FailureKind.BAD_RESPONSE)), StopReason.NOT_RETRYABLE);
        assertStop(decide(failed(FailureKind.RESET).attemptsMade(3)), StopReason.ATTEMPTS);
        assertStop(decide(failed(FailureKind.RESET).method("POST")), StopReason.METHOD);
        assertStop(decide(failed(FailureKind.RESET).bytesSent(true).bodyReplayable(false)), StopReason.BODY);
        assertStop(decide(failed(FailureKind.RESET).nanosUntilDeadline(1)), StopReason.DEADLINE);
        assertStop(decide(status(503, "60")), StopReason.NOT_RETRYABLE);
        assertStop(decide(failed(FailureKind.RESET).endpointAdmits(false)), StopReason.CIRCUIT_OPEN);
        assertEquals(0, budget.asked, "only a retry that will certainly happen may spend the budget");
    }

    // --- an endpoint would take it ---

    @Test
    void aRetryNoEndpointWouldTakeIsSkippedForThatUnlessAnotherRuleStopsItFirst() {
        assertStop(decide(failed(FailureKind.RESET).endpointAdmits(false)), StopReason.CIRCUIT_OPEN);
        assertStop(decide(failed(FailureKind.RESET).endpointAdmits(false).attemptsMade(3)), StopReason.ATTEMPTS);
        assertStop(decide(failed(FailureKind.RESET).endpointAdmits(false).method("POST")), StopReason.METHOD);
        assertStop(decide(failed(FailureKind.BAD_RESPONSE).endpointAdmits(false)), StopReason.NOT_RETRYABLE);
        assertEquals("circuit-open", ((Stop) decide(failed(FailureKind.RESET).endpointAdmits(false))).whyLabel());
    }

    // --- the body is replayable, or nothing was sent ---

    @Test
    void aStreamedBodyThatPartlyLeftIsNotRetried() {
        assertStop(decide(failed(FailureKind.RESET).bytesSent(true).bodyReplayable(false)), StopReason.BODY);
    }

    @Test
    void aStreamedBodyIsRetriedWhenNothingWasSent() {
        assertRetry(decide(failed(FailureKind.RESET).bytesSent(false).bodyReplayable(false)), BACKOFF_1, RESET);
        assertRetry(decide(failed(FailureKind.CONNECT_REFUSED).bodyReplayable(false).method("POST")),
                BACKOFF_1, CONNECT_FAILURE);
    }

    @Test
    void aBufferedBodyIsRetriedAfterItWasSent() {
        assertRetry(decide(failed(FailureKind.RESET).bytesSent(true).bodyReplayable(true)), BACKOFF_1, RESET);
    }

    // --- the next attempt can start before the deadline ---

    @Test
    void noRetryWhenTheBackoffDoesNotFitBeforeTheDeadline() {
        assertStop(decide(failed(FailureKind.RESET).nanosUntilDeadline(BACKOFF_1.toNanos())), StopReason.DEADLINE);
        assertRetry(decide(failed(FailureKind.RESET).nanosUntilDeadline(BACKOFF_1.toNanos() + 1)), BACKOFF_1, RESET);
    }

    @Test
    void noImmediateRetryOnceTheDeadlinePassed() {
        RetryContext.Builder refused = failed(FailureKind.CONNECT_REFUSED).untriedEndpointRemains(true);
        assertStop(decide(refused.nanosUntilDeadline(0)), StopReason.DEADLINE);
        assertStop(decide(refused.nanosUntilDeadline(-5)), StopReason.DEADLINE);
    }

    // --- nothing of the response reached the client ---

    @Test
    void noRetryOnceTheResponseStarted() {
        assertStop(decide(failed(FailureKind.RESET).responseStarted(true)), StopReason.NOT_RETRYABLE);
    }

    // --- a refused connection moves to the next endpoint at once ---

    @Test
    void aRefusedConnectWithAnUntriedEndpointLeftRetriesWithoutBackoff() {
        assertRetry(decide(failed(FailureKind.CONNECT_REFUSED).untriedEndpointRemains(true)), Duration.ZERO, CONNECT_FAILURE);
        assertRetry(decide(failed(FailureKind.CONNECT_REFUSED).untriedEndpointRemains(false)), BACKOFF_1, CONNECT_FAILURE);
    }

    @Test
    void otherConnectFailuresBackOffEvenWithAnUntriedEndpoint() {
        assertRetry(decide(failed(FailureKind.CONNECT_TIMEOUT).untriedEndpointRemains(true)), BACKOFF_1, CONNECT_FAILURE);
        assertRetry(decide(failed(FailureKind.UNREACHABLE).untriedEndpointRemains(true)), BACKOFF_1, CONNECT_FAILURE);
    }

    // --- labels and arguments ---

    @Test
    void stopLabelsAreTheMetricLabels() {
        Set<String> labels = Arrays.stream(StopReason.values()).map(StopReason::label).collect(Collectors.toSet());
        assertEquals(Set.of("budget", "body", "method", "deadline", "attempts", "circuit-open", "not-retryable"),
                labels);
        assertEquals("deadline", new Stop(StopReason.DEADLINE).whyLabel());
    }

    @Test
    void badArgumentsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> failed(FailureKind.RESET).attemptsMade(0).build());
        assertEquals("attemptsMade: 0 (expected: >= 1)", e.getMessage());
        attempts = 0;
        e = assertThrows(IllegalArgumentException.class, this::policy);
        assertEquals("attempts: 0 (expected: >= 1)", e.getMessage());
        assertThrows(NullPointerException.class, () -> RetryContext.builder(null).build());
    }
}
