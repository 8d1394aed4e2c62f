package dev.rampart.core.resilience;

import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.resilience.CircuitBreaker.State;
import dev.rampart.core.testing.ModelSeeds;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of random call sequences applied to the breaker and to {@link BreakerModel}, the docs' rules
 * written out plainly, compared after every step: admitted or refused, state and reported state, the time
 * until the next probe, calls and failure rate in the window, and every transition the listener heard.
 * Time moves by random amounts and by exactly the boundaries that matter (the end of the open period, a
 * bucket edge, the point where lost probes are given up), give or take a nanosecond. Deterministic by seed;
 * a failure names the seed, the step, the config and the last events.
 */
class CircuitBreakerModelTest {

    private static final int SEQUENCES = 2_000;
    private static final int STEPS = 200;

    private record InFlight(long realPhase, long modelPhase) {
    }

    @Test
    void breakerAgreesWithTheDocumentedModelOverRandomSequences() {
        long base = ModelSeeds.first();
        for (int i = 0; i < SEQUENCES; i++) {
            runSequence(base + i);
        }
    }

    private static void runSequence(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        CircuitBreakerConfig config = randomConfig(random);
        FakeTicker ticker = new FakeTicker(randomOrigin(random));
        List<String> heard = new CopyOnWriteArrayList<>();
        CircuitBreaker real = CircuitBreaker.of(config, ticker, (from, to) -> heard.add(from + "->" + to));
        BreakerModel model = new BreakerModel(config, ticker.read());
        List<InFlight> inFlight = new ArrayList<>();
        Deque<String> trace = new ArrayDeque<>();
        long slowNanos = config.slowCallDuration().toNanos();
        long stale = Math.max(config.window().toNanos(), config.maxOpenDuration().toNanos());
        long longest = 0;

        for (int step = 0; step < STEPS; step++) {
            long now = ticker.read();
            int dice = random.nextInt(100);
            String event;
            if (dice < 30) {
                boolean got = real.tryAcquirePermission();
                long realPhase = real.phase();
                boolean expected = model.tryAcquire(now);
                event = "acquire -> " + got;
                if (got != expected) {
                    failWith(seed, step, config, trace, event, "admitted " + got + ", model says " + expected);
                }
                if (got) {
                    inFlight.add(new InFlight(realPhase, model.phase()));
                }
            } else if (dice < 65 && !inFlight.isEmpty()) {
                InFlight call = inFlight.remove(random.nextInt(inFlight.size()));
                boolean tagged = random.nextInt(100) < 85;
                long duration = randomDuration(random, slowNanos);
                int outcome = random.nextInt(10);
                if (outcome < 5) {
                    event = "success " + duration + (tagged ? "" : " untagged");
                    if (tagged) {
                        real.onSuccess(duration, call.realPhase);
                    } else {
                        real.onSuccess(duration);
                    }
                    model.onSuccess(now, duration, tagged ? call.modelPhase : -1);
                } else if (outcome < 9) {
                    event = "failure " + duration + (tagged ? "" : " untagged");
                    if (tagged) {
                        real.onFailure(duration, call.realPhase);
                    } else {
                        real.onFailure(duration);
                    }
                    model.onFailure(now, duration, tagged ? call.modelPhase : -1);
                } else {
                    event = "cancel" + (tagged ? "" : " untagged");
                    if (tagged) {
                        real.onCancelled(call.realPhase);
                    } else {
                        real.onCancelled();
                    }
                    model.onCancelled(tagged ? call.modelPhase : -1);
                }
            } else if (dice < 97) {
                long by = randomAdvance(random, model, config, now, stale, longest);
                ticker.advance(Duration.ofNanos(by));
                event = "advance " + by;
            } else {
                longest = switch (random.nextInt(3)) {
                    case 0 -> 0;
                    case 1 -> stale + 1 + random.nextLong(stale);
                    default -> random.nextLong(stale + 1);
                };
                real.expectCallsWithin(longest);
                model.expectCallsWithin(longest);
                event = "expectCallsWithin " + longest;
            }
            trace.addLast(event);
            if (trace.size() > 40) {
                trace.removeFirst();
            }
            compare(seed, step, config, trace, real, model, ticker.read(), heard);
        }
    }

    private static void compare(long seed, int step, CircuitBreakerConfig config, Deque<String> trace,
            CircuitBreaker real, BreakerModel model, long now, List<String> heard) {
        check(seed, step, config, trace, "state", model.state(), real.state());
        State reported = model.state() == State.OPEN && model.nanosUntilHalfOpen(now) <= 0 ? State.HALF_OPEN : model.state();
        check(seed, step, config, trace, "reportedState", reported, real.reportedState());
        check(seed, step, config, trace, "nanosUntilHalfOpen", model.nanosUntilHalfOpen(now), real.nanosUntilHalfOpen());
        check(seed, step, config, trace, "wouldPermit", model.wouldPermit(now), real.wouldPermit());
        check(seed, step, config, trace, "callsInWindow", model.callsInWindow(now), real.callsInWindow());
        if (Math.abs(model.failureRate(now) - real.failureRate()) > 1e-9) {
            failWith(seed, step, config, trace, "", "failureRate " + real.failureRate() + ", model " + model.failureRate(now));
        }
        check(seed, step, config, trace, "transitions", model.transitions(), heard);
    }

    private static void check(long seed, int step, CircuitBreakerConfig config, Deque<String> trace,
            String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            failWith(seed, step, config, trace, "", what + " is " + actual + ", model says " + expected);
        }
    }

    private static void failWith(long seed, int step, CircuitBreakerConfig config, Deque<String> trace,
            String event, String what) {
        fail(ModelSeeds.describe(seed) + ", step " + step + ": " + what
                + (event.isEmpty() ? "" : " on " + event) + "\nconfig " + config + "\nlast events " + trace);
    }

    private static CircuitBreakerConfig randomConfig(SplittableRandom random) {
        Duration window = pick(random, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMillis(3),
                Duration.ofNanos(1_000_000_007L), Duration.ofMillis(250), Duration.ofNanos(7), Duration.ofNanos(19));
        int minimumCalls = pick(random, 1, 2, 3, 5, 20);
        double failureRate = pick(random, 0.0, 1.0, 33.3, 50.0, 99.9, 100.0, (double) random.nextInt(101));
        int consecutive = pick(random, 0, 1, 2, 5, 0);
        Duration slow = pick(random, Duration.ZERO, Duration.ZERO, Duration.ofMillis(1), Duration.ofMillis(50));
        double slowRate = pick(random, 0.0, 50.0, 100.0, (double) random.nextInt(101));
        Duration open = pick(random, Duration.ofMillis(1), Duration.ofMillis(300), Duration.ofSeconds(5),
                Duration.ofNanos(1_000_000_001L));
        Duration max = pick(random, open, open.multipliedBy(2), open.multipliedBy(3).plusNanos(1), Duration.ofSeconds(60));
        if (max.compareTo(open) < 0) {
            max = open;
        }
        int probes = pick(random, 1, 2, 3, 5);
        return new CircuitBreakerConfig(true, window, minimumCalls, failureRate, consecutive, slow, slowRate,
                open, max, probes);
    }

    private static long randomOrigin(SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> 1_234_567_890_123L;
            case 1 -> -random.nextLong(1L << 62);
            case 2 -> random.nextLong(1L << 62);
            default -> 0;
        };
    }

    private static long randomDuration(SplittableRandom random, long slowNanos) {
        if (slowNanos == 0 || random.nextBoolean()) {
            return random.nextInt(4) == 0 ? 0 : random.nextLong(1, 1_000_000);
        }
        return slowNanos + random.nextInt(3) - 1; // just under, exactly at, just over the slow-call duration
    }

    private static long randomAdvance(SplittableRandom random, BreakerModel model, CircuitBreakerConfig config,
            long now, long stale, long longest) {
        long bucket = Math.max(1, config.window().toNanos() / 10);
        long wiggle = random.nextInt(3) - 1;
        long by = switch (random.nextInt(8)) {
            case 0 -> random.nextLong(1, 1_000);
            case 1 -> model.nanosUntilHalfOpen(now) + wiggle;
            case 2 -> bucket - Math.floorMod(now, bucket) + wiggle; // to the next bucket edge
            case 3 -> config.window().toNanos() + wiggle;
            case 4 -> Math.max(stale, longest) + wiggle;
            case 5 -> random.nextLong(1, bucket + 1);
            case 6 -> random.nextLong(1, 2 * config.maxOpenDuration().toNanos());
            default -> 0;
        };
        return Math.max(0, by);
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
