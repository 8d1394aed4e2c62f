package dev.rampart.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** What a signature check is charged: the processor time its thread spent, not the time that passed. */
class CheckBudgetTest {

    @Test
    void aCheckWhoseThreadWasDescheduledIsChargedOnlyWhatItSpent() {
        CheckBudget budget = CheckBudget.ofThreadCpuTime(System::nanoTime);
        long started = budget.startCheck();
        assertNotEquals(CheckBudget.NO_TIME, started);
        // Parked for longer than the whole share of a second, as a loop throttled at its container's CPU quota is.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(400));
        budget.endCheck(started);
        assertNotEquals(CheckBudget.NO_TIME, budget.startCheck(), "the wait cost the thread no processor time");
    }

    @Test
    void checksThatSpendTheShareEndTheSecondsChecks() {
        long[] wall = {0};
        long[] spent = {0};
        CheckBudget budget = new CheckBudget(() -> wall[0], () -> spent[0]);
        for (int i = 0; i < 3; i++) {
            long started = budget.startCheck();
            assertNotEquals(CheckBudget.NO_TIME, started, "check " + i);
            spent[0] += 100_000_000L;
            wall[0] += 1_000_000L;
            budget.endCheck(started);
        }
        assertEquals(CheckBudget.NO_TIME, budget.startCheck(), "300 ms of processor time spent in this second");
        wall[0] += 1_000_000_000L;
        assertNotEquals(CheckBudget.NO_TIME, budget.startCheck(), "the next second has a new share");
    }
}
