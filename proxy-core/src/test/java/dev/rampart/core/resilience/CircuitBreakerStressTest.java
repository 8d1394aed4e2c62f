package dev.rampart.core.resilience;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.rampart.core.resilience.CircuitBreaker.State.HALF_OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A breaker driven through its whole cycle (closed, open, half-open, closed or open again) by eight threads at
 * once, as the event loops drive an endpoint's, while time moves: each half-open phase lets through at most
 * {@code half-open-probes} calls (those handed back by a cancellation aside), and the listener hears of each
 * transition once.
 */
class CircuitBreakerStressTest extends BreakerFixture {

    private static final int THREADS = 8;
    private static final int CALLS_PER_THREAD = 50_000;

    @Test
    void noHalfOpenPhaseLetsThroughMoreThanItsProbesWhileEightThreadsDriveTheCycle() throws Exception {
        window = Duration.ofMillis(100);
        minimumCalls = 5;
        consecutiveFailures = 3;
        openDuration = Duration.ofMillis(1);
        maxOpenDuration = Duration.ofMillis(4);
        halfOpenProbes = 3;
        CircuitBreaker breaker = breaker();
        // Calls admitted in each half-open phase, less those cancelled: never more than the probes.
        ConcurrentHashMap<Long, AtomicInteger> probesOut = new ConcurrentHashMap<>();
        AtomicInteger excess = new AtomicInteger();
        AtomicInteger halfOpenAdmissions = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(THREADS);
        for (int t = 0; t < THREADS; t++) {
            threads.add(new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                List<long[]> held = new ArrayList<>(); // calls in flight: {phase, 1 if a half-open probe}
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < CALLS_PER_THREAD; i++) {
                    if (random.nextInt(8) == 0) {
                        ticker.advance(Duration.ofNanos(random.nextLong(200_000)));
                    }
                    long phase = breaker.tryAdmit(); // as the proxy picks an endpoint and tags its attempt
                    if (phase != CircuitBreaker.NOT_ADMITTED) {
                        // Admitted in a half-open phase, if that phase is still on (else, not counted here).
                        boolean probe = breaker.state() == HALF_OPEN && breaker.phase() == phase;
                        if (probe) {
                            halfOpenAdmissions.incrementAndGet();
                            int out = probesOut.computeIfAbsent(phase, p -> new AtomicInteger()).incrementAndGet();
                            if (out > halfOpenProbes) {
                                excess.incrementAndGet();
                            }
                        }
                        held.add(new long[] {phase, probe ? 1 : 0});
                    }
                    // Calls end out of order, some long after they began.
                    while (!held.isEmpty() && (held.size() > 4 || random.nextBoolean())) {
                        long[] call = held.remove(random.nextInt(held.size()));
                        int roll = random.nextInt(10);
                        if (roll == 0) {
                            if (call[1] == 1) {
                                probesOut.get(call[0]).decrementAndGet();
                            }
                            breaker.onCancelled(call[0]);
                        } else if (roll < 4) {
                            breaker.onFailure(FAST, call[0]);
                        } else {
                            breaker.onSuccess(FAST, call[0]);
                        }
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertTrue(halfOpenAdmissions.get() > 100, "the breaker went through half-open often: " + halfOpenAdmissions);
        assertEquals(0, excess.get(), "half-open phases that let more than " + halfOpenProbes + " probes through ("
                + halfOpenAdmissions + " probes in all)");
        assertEachTransitionHeardOnce(breaker);
    }

    /**
     * Each transition heard once: every state entered as often as it was left, but for the one the breaker is in.
     * (Not in order: two threads that change the state one after the other may tell their listeners the other way.)
     */
    private void assertEachTransitionHeardOnce(CircuitBreaker breaker) {
        for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
            long entered = transitions.stream().filter(t -> t.endsWith("->" + state)).count()
                    + (state == CircuitBreaker.State.CLOSED ? 1 : 0);
            long left = transitions.stream().filter(t -> t.startsWith(state + "->")).count();
            assertEquals(breaker.state() == state ? 1 : 0, entered - left,
                    state + " entered " + entered + ", left " + left);
        }
        assertTrue(transitions.contains("HALF_OPEN->CLOSED"), "the breaker closed again at times");
    }
}
