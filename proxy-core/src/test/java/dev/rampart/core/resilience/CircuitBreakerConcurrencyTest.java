package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.testing.Concurrently;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.rampart.core.resilience.CircuitBreaker.State.CLOSED;
import static dev.rampart.core.resilience.CircuitBreaker.State.HALF_OPEN;
import static dev.rampart.core.resilience.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A breaker shared by event loops: transitions happen once and probes are handed out exactly. */
class CircuitBreakerConcurrencyTest extends BreakerFixture {

    @Test
    void concurrentCallersInHalfOpenGetExactlyTheProbes() throws Exception {
        halfOpenProbes = 4;
        CircuitBreaker breaker = openedAndWaited();
        for (int round = 0; round < 50; round++) {
            assertEquals(OPEN, breaker.state());
            int granted = Concurrently.sumOf(8, () -> {
                int mine = 0;
                for (int i = 0; i < 100; i++) {
                    if (breaker.tryAcquirePermission()) {
                        mine++;
                    }
                }
                return mine;
            });
            assertEquals(4, granted, "round " + round);
            assertEquals(HALF_OPEN, breaker.state());
            breaker.onFailure(FAST);             // reopen for the next round
            ticker.advance(maxOpenDuration);
        }
        long halfOpens = transitions.stream().filter("OPEN->HALF_OPEN"::equals).count();
        assertEquals(50, halfOpens, "one OPEN->HALF_OPEN per round, whoever won it");
    }

    @Test
    void callersThatAllSawOpenTurnItHalfOpenOnceAndShareTheProbes() throws Exception {
        // Every caller reads OPEN, then waits in ticker.read() until all have: the worst interleaving,
        // made certain. Only one may install the half-open phase, or each would bring fresh permits.
        consecutiveFailures = 1;
        halfOpenProbes = 2;
        int threads = 4;
        CyclicBarrier allSawOpen = new CyclicBarrier(threads);
        Set<Thread> released = ConcurrentHashMap.newKeySet();
        Ticker gated = () -> {
            if (released.add(Thread.currentThread())) {
                try {
                    allSawOpen.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return ticker.read();
        };
        released.add(Thread.currentThread()); // the test thread itself never waits
        CircuitBreaker breaker = CircuitBreaker.of(config(), gated, (from, to) -> transitions.add(from + "->" + to));
        fail(breaker, 1);
        assertEquals(OPEN, breaker.state());
        ticker.advance(openDuration);

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(breaker::tryAcquirePermission));
            }
            int granted = 0;
            for (Future<Boolean> result : results) {
                granted += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(2, granted);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN"), transitions);
    }

    @Test
    void concurrentFailuresOpenTheBreakerOnce() throws Exception {
        consecutiveFailures = 0;
        minimumCalls = 10;
        CircuitBreaker breaker = breaker();
        Concurrently.sumOf(8, () -> {
            for (int i = 0; i < 1_000; i++) {
                if (breaker.tryAcquirePermission()) {
                    breaker.onFailure(FAST);
                }
            }
            return 0;
        });
        assertEquals(OPEN, breaker.state());
        assertEquals(List.of("CLOSED->OPEN"), transitions);
    }

    /** One per endpoint, so that the registry can tell a disabled endpoint's entry from another's. */
    @Test
    void aDisabledBreakerIsOneOfItsOwnThatAdmitsEverything() {
        enabled = false;
        CircuitBreaker disabled = breaker();
        assertNotSame(disabled, breaker());
        for (int i = 0; i < 100; i++) {
            assertTrue(disabled.tryAcquirePermission());
            disabled.onFailure(1);
        }
        assertEquals(CLOSED, disabled.state());
    }
}
