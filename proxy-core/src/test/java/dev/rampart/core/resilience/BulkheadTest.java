package dev.rampart.core.resilience;

import dev.rampart.core.testing.Concurrently;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BulkheadTest {

    @Test
    void admitsUpToTheLimitAndRefusesBeyond() {
        Bulkhead bulkhead = Bulkhead.of(2);
        assertTrue(bulkhead.tryAcquire());
        assertTrue(bulkhead.tryAcquire());
        assertFalse(bulkhead.tryAcquire());
        assertEquals(2, bulkhead.inFlight());
        bulkhead.release();
        assertEquals(1, bulkhead.inFlight());
        assertTrue(bulkhead.tryAcquire(), "a released slot is free again");
        assertEquals(2, bulkhead.maxConcurrent());
    }

    @Test
    void aReleaseWithoutASlotIsABug() {
        Bulkhead bulkhead = Bulkhead.of(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, bulkhead::release);
        assertTrue(e.getMessage().contains("double release"), e.getMessage());
        assertEquals(0, bulkhead.inFlight(), "the count never goes negative");
        assertTrue(bulkhead.tryAcquire());
        assertFalse(bulkhead.tryAcquire(), "a bad release did not create a slot");
    }

    @Test
    void theLimitMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bulkhead.of(0));
        assertEquals("maxConcurrent: 0 (expected: >= 1)", e.getMessage());
    }

    @Test
    void concurrentCallersNeverExceedTheLimit() throws Exception {
        int limit = 3;
        Bulkhead bulkhead = Bulkhead.of(limit);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        Concurrently.sumOf(8, () -> {
            for (int i = 0; i < 20_000; i++) {
                if (bulkhead.tryAcquire()) {
                    mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    inside.decrementAndGet();
                    bulkhead.release();
                }
            }
            return 0;
        });
        assertTrue(mostInside.get() <= limit, "at most " + limit + " inside, saw " + mostInside.get());
        assertEquals(0, bulkhead.inFlight());
    }
}
