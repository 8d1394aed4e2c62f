package dev.rampart.core.resilience;

import dev.rampart.core.config.RetryOn;
import dev.rampart.core.errors.Reason;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamFailureTest {

    @Test
    void eachKindMapsToItsRetryOnEntryAndReason() {
        assertEquals(Optional.of(RetryOn.CONNECT_FAILURE), FailureKind.CONNECT_REFUSED.retryOn());
        assertEquals(Optional.of(RetryOn.CONNECT_FAILURE), FailureKind.CONNECT_TIMEOUT.retryOn());
        assertEquals(Optional.of(RetryOn.CONNECT_FAILURE), FailureKind.UNREACHABLE.retryOn());
        assertEquals(Optional.of(RetryOn.RESET), FailureKind.RESET.retryOn());
        assertEquals(Optional.of(RetryOn.TIMEOUT), FailureKind.TIMEOUT.retryOn());
        assertEquals(Optional.empty(), FailureKind.BAD_RESPONSE.retryOn());
        assertEquals(Optional.empty(), FailureKind.UPSTREAM_STATUS.retryOn());

        assertEquals(Reason.UPSTREAM_CONNECT_REFUSED, FailureKind.CONNECT_REFUSED.reason());
        assertEquals(Reason.UPSTREAM_CONNECT_TIMEOUT, FailureKind.CONNECT_TIMEOUT.reason());
        assertEquals(Reason.UPSTREAM_UNREACHABLE, FailureKind.UNREACHABLE.reason());
        assertEquals(Reason.UPSTREAM_RESET, FailureKind.RESET.reason());
        assertEquals(Reason.UPSTREAM_TIMEOUT, FailureKind.TIMEOUT.reason());
        assertEquals(Reason.UPSTREAM_BAD_RESPONSE, FailureKind.BAD_RESPONSE.reason());
        assertEquals(Reason.UPSTREAM_ERROR, FailureKind.UPSTREAM_STATUS.reason());
    }

    @Test
    void onlyTheThreeConnectKindsAreConnectFailures() {
        for (FailureKind kind : FailureKind.values()) {
            boolean expected = kind == FailureKind.CONNECT_REFUSED || kind == FailureKind.CONNECT_TIMEOUT
                    || kind == FailureKind.UNREACHABLE;
            assertEquals(expected, kind.isConnectFailure(), kind.name());
        }
    }

    @Test
    void theBreakerCountsTransportFailuresAnd5xxExcept501AsFailures() {
        for (FailureKind kind : FailureKind.values()) {
            if (kind != FailureKind.UPSTREAM_STATUS) {
                assertTrue(UpstreamFailure.of(kind).countsAsBreakerFailure(), kind.name());
            }
        }
        assertTrue(UpstreamFailure.status(500, null).countsAsBreakerFailure());
        assertTrue(UpstreamFailure.status(503, "5").countsAsBreakerFailure());
        assertTrue(UpstreamFailure.status(599, null).countsAsBreakerFailure());
        assertFalse(UpstreamFailure.status(501, null).countsAsBreakerFailure());
        assertFalse(UpstreamFailure.status(404, null).countsAsBreakerFailure());
        assertFalse(UpstreamFailure.status(429, "1").countsAsBreakerFailure());
        assertFalse(UpstreamFailure.status(200, null).countsAsBreakerFailure());
    }

    @Test
    void aStatusFailureCarriesItsStatusAndRetryAfter() {
        UpstreamFailure failure = UpstreamFailure.status(503, "7");
        assertEquals(FailureKind.UPSTREAM_STATUS, failure.kind());
        assertEquals(503, failure.status());
        assertEquals(Optional.of("7"), failure.retryAfter());
        assertEquals(Reason.UPSTREAM_ERROR, failure.reason());
        assertFalse(failure.isConnectFailure());
        assertEquals(UpstreamFailure.status(503, "7"), failure);

        UpstreamFailure reset = UpstreamFailure.of(FailureKind.RESET);
        assertEquals(0, reset.status());
        assertEquals(Optional.empty(), reset.retryAfter());
        assertEquals(Reason.UPSTREAM_RESET, reset.reason());
    }

    @Test
    void badArgumentsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UpstreamFailure.of(FailureKind.UPSTREAM_STATUS));
        assertTrue(e.getMessage().startsWith("kind: UPSTREAM_STATUS (expected: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UpstreamFailure.status(42, null));
        assertEquals("status: 42 (expected: 100-999)", e.getMessage());
        assertThrows(NullPointerException.class, () -> UpstreamFailure.of(null));
    }
}
