package dev.rampart.core.health;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointHealthTest {

    private final List<Boolean> changes = new ArrayList<>();
    private final EndpointHealth health = new EndpointHealth(2, 3, changes::add);

    @Test
    void startsHealthy() {
        assertTrue(health.healthy());
    }

    @Test
    void turnsUnhealthyOnlyAfterTheUnhealthyThresholdOfConsecutiveFailures() {
        health.recordFailure();
        health.recordFailure();
        assertTrue(health.healthy());
        health.recordFailure();
        assertFalse(health.healthy());
        assertEquals(List.of(false), changes);
    }

    @Test
    void aSuccessInBetweenRestartsTheFailureCount() {
        health.recordFailure();
        health.recordFailure();
        health.recordSuccess();
        health.recordFailure();
        health.recordFailure();
        assertTrue(health.healthy());
        assertTrue(changes.isEmpty());
    }

    @Test
    void recoversOnlyAfterTheHealthyThresholdOfConsecutiveSuccesses() {
        for (int i = 0; i < 3; i++) {
            health.recordFailure();
        }
        health.recordSuccess();
        assertFalse(health.healthy());
        health.recordFailure();
        health.recordSuccess();
        assertFalse(health.healthy());
        health.recordSuccess();
        assertTrue(health.healthy());
        assertEquals(List.of(false, true), changes);
    }

    @Test
    void furtherFailuresOfAnUnhealthyEndpointDoNotReportAgain() {
        for (int i = 0; i < 10; i++) {
            health.recordFailure();
        }
        assertEquals(List.of(false), changes);
    }

    @Test
    void thresholdsBelowOneAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new EndpointHealth(0, 1, EndpointHealth.Listener.NOOP));
        assertThrows(IllegalArgumentException.class, () -> new EndpointHealth(1, 0, EndpointHealth.Listener.NOOP));
    }
}
