package dev.rampart.core.resilience;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The bulkheads kept across reloads: removed with their upstream, unless requests still hold their slots. */
class BulkheadsTest {

    @Test
    void anUpstreamRemovedWhileItsRequestsRunIsStillCountedWhenARollbackBringsItBack() {
        Bulkheads bulkheads = new Bulkheads();
        Bulkhead before = bulkheads.forUpstream("u", 2);
        before.tryAcquire();
        before.tryAcquire();

        bulkheads.retainOnly(Set.of("other")); // a reload without u, its two requests still running
        Bulkhead after = bulkheads.forUpstream("u", 2); // and one with u again

        assertSame(before, after);
        assertFalse(after.tryAcquire(), "the two running requests still hold the two slots");
        assertEquals(2, after.inFlight());
    }

    @Test
    void aReloadThatChangesTheLimitChangesItForTheUpstreamsBulkhead() {
        Bulkheads bulkheads = new Bulkheads();
        bulkheads.forUpstream("u", 2);
        assertEquals(1, bulkheads.forUpstream("u", 1).maxConcurrent());
    }

    @Test
    void anUpstreamRemovedWithNothingInFlightIsForgotten() {
        Bulkheads bulkheads = new Bulkheads();
        Bulkhead before = bulkheads.forUpstream("u", 2);
        before.tryAcquire();
        before.release();

        bulkheads.retainOnly(Set.of());
        Bulkhead after = bulkheads.forUpstream("u", 5);

        assertNotSame(before, after);
        assertEquals(5, after.maxConcurrent());
    }
}
