package dev.rampart.core.upstream;

import dev.rampart.core.config.LoadBalancing;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.upstream.balancing.KeyHash;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random sequences of probe results, request outcomes, time and reloads, and after each step the pick held against
 * {@link PickModel}: never an endpoint out of rotation or refused by its breaker while another may take the request,
 * backups only when no primary can, null (CIRCUIT_OPEN) only when none can, keys on their home while it is eligible,
 * and, with the state held still, the shares of many picks as the weights and slow start say.
 */
class UpstreamPickFuzzTest {

    private static final int SEEDS = 250;
    private static final int STEPS = 300;
    private static final int KEYS = 40;

    @Test
    void picksAgreeWithTheModelOfTheDocsOverRandomSequences() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            PickFuzzRun run = new PickFuzzRun(seed);
            try {
                new Steps(run).go();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (" + run.configText() + "): " + e.getMessage(), e);
            }
        }
    }

    private static final class Steps {
        private final PickFuzzRun run;
        private final List<PickFuzzPending> pending = new ArrayList<>();
        private final Map<String, String> homes = new HashMap<>();
        private final Map<String, String> keyedChoices = new HashMap<>();

        Steps(PickFuzzRun run) {
            this.run = run;
            homes.putAll(homesNow());
        }

        void go() {
            for (int step = 0; step < STEPS; step++) {
                int action = run.random.nextInt(100);
                if (action < 25) {
                    probe();
                } else if (action < 35) {
                    run.now[0] += run.random.nextLong(run.openNanos * 3 / 2 + 1);
                } else if (action < 80) {
                    request();
                } else if (action < 88) {
                    completeOne();
                } else if (action < 91) {
                    reload();
                } else if (action < 96) {
                    PickFuzzRun.Kept k = run.order.get(run.random.nextInt(run.order.size()));
                    k.probePasses = run.random.nextDouble();
                    k.requestFails = run.random.nextDouble() * 0.6;
                } else {
                    shares();
                }
            }
        }

        private PickModel model() {
            return new PickModel(run.upstream.endpoints(), e -> run.keptOf.get(e).modelHealthy);
        }

        private void probe() {
            PickFuzzRun.Kept k = run.order.get(run.random.nextInt(run.order.size()));
            if (run.random.nextDouble() < k.probePasses) {
                k.health.recordSuccess();
                k.failuresInARow = 0;
                k.successesInARow++;
                if (!k.modelHealthy && k.successesInARow >= run.healthyThreshold) {
                    k.modelHealthy = true;
                    k.recoveredAt = run.now[0];
                }
            } else {
                k.health.recordFailure();
                k.successesInARow = 0;
                k.failuresInARow++;
                if (k.modelHealthy && k.failuresInARow >= run.unhealthyThreshold) {
                    k.modelHealthy = false;
                }
            }
            assertEquals(k.modelHealthy, k.health.healthy(), k.address + ": verdict after its probes");
        }

        private void request() {
            PickModel model = model();
            boolean keyed = run.policy == LoadBalancing.CONSISTENT_HASH && run.random.nextInt(5) != 0;
            String key = "user-" + run.random.nextInt(KEYS);
            List<Endpoint> eligible = model.eligible();
            assertEquals(model.panicking(), run.upstream.panicking(), "panic mode");
            assertEquals(!eligible.isEmpty(), run.upstream.admitsAny(), "admitsAny with eligible " + eligible);
            Endpoint chosen = keyed ? run.upstream.pick(List.of(), KeyHash.of(key)) : run.upstream.pick(List.of());
            if (eligible.isEmpty()) {
                assertNull(chosen, "no endpoint may take it: CIRCUIT_OPEN");
                assertEquals(retryAfterSeconds(), run.upstream.secondsUntilFirstHalfOpen(),
                        "CIRCUIT_OPEN's Retry-After: until the first breaker half-opens " + describe());
                return;
            }
            assertTrue(chosen != null && eligible.contains(chosen), "chose " + chosen + ", eligible " + eligible
                    + " " + describe());
            if (keyed) {
                checkKeyed(key, eligible, chosen);
            }
            List<Endpoint> tried = new ArrayList<>();
            tried.add(chosen);
            settle(chosen);
            while (run.random.nextInt(3) == 0 && tried.size() < 4) {
                List<Endpoint> forRetry = model().eligibleForRetry(tried);
                Endpoint retry = keyed ? run.upstream.pick(tried, KeyHash.of(key)) : run.upstream.pick(tried);
                if (forRetry.isEmpty()) {
                    assertNull(retry, "no endpoint may take the retry");
                    return;
                }
                assertTrue(retry != null && forRetry.contains(retry), "retry after " + tried + " chose " + retry
                        + ", eligible " + forRetry + " " + describe());
                tried.add(retry);
                settle(retry);
            }
        }

        /** Whole seconds, rounded up and at least 1, until the first open breaker's open-duration has passed. */
        private long retryAfterSeconds() {
            long soonest = Long.MAX_VALUE;
            for (Endpoint e : run.upstream.endpoints()) {
                CircuitBreaker b = e.breaker();
                long left = b.state() == CircuitBreaker.State.OPEN
                        ? run.openNanos - (run.now[0] - b.phaseSinceNanos()) : 0;
                soonest = Math.min(soonest, left);
            }
            return Math.max(1, (soonest + 999_999_999) / 1_000_000_000);
        }

        private void checkKeyed(String key, List<Endpoint> eligible, Endpoint chosen) {
            String home = homes.get(key);
            if (eligible.stream().anyMatch(e -> e.label().equals(home))) {
                assertEquals(home, chosen.label(), key + " away from its home while the home is eligible");
            }
            String set = eligible.stream().map(Endpoint::label).collect(Collectors.toCollection(TreeSet::new))
                    .toString();
            String before = keyedChoices.putIfAbsent(key + set, chosen.label());
            if (before != null) {
                assertEquals(before, chosen.label(), key + " moved with the same endpoints eligible " + set);
            }
        }

        /** The attempt's outcome, now or later, fed to its breaker as the proxy feeds it. */
        private void settle(Endpoint e) {
            long phase = e.breaker().phase();
            e.attemptStarted();
            if (run.random.nextInt(4) == 0) {
                pending.add(new PickFuzzPending(e, phase));
            } else {
                finish(new PickFuzzPending(e, phase), run.random.nextDouble() < run.keptOf.get(e).requestFails);
            }
        }

        private void completeOne() {
            if (!pending.isEmpty()) {
                PickFuzzPending p = pending.remove(run.random.nextInt(pending.size()));
                finish(p, run.random.nextDouble() < run.kept.get(p.endpoint().label()).requestFails);
            }
        }

        private void finish(PickFuzzPending p, boolean failed) {
            CircuitBreaker breaker = p.endpoint().breaker();
            PickFuzzRun.Kept k = run.kept.get(p.endpoint().label());
            boolean counts = breaker.phase() == p.phase();
            CircuitBreaker.State before = breaker.state();
            p.endpoint().attemptEnded();
            if (failed) {
                breaker.onFailure(1, p.phase());
            } else {
                breaker.onSuccess(1, p.phase());
            }
            if (counts && before == CircuitBreaker.State.CLOSED && k != null) {
                k.failuresInBreaker = failed ? k.failuresInBreaker + 1 : 0;
                assertEquals(k.failuresInBreaker >= run.consecutiveFailures ? CircuitBreaker.State.OPEN
                        : CircuitBreaker.State.CLOSED, breaker.state(), k.address + ": failures in a row "
                        + k.failuresInBreaker);
            }
            if (breaker.state() != CircuitBreaker.State.CLOSED && k != null) {
                k.failuresInBreaker = 0;
            }
            if (breaker.state() == CircuitBreaker.State.OPEN) {
                assertEquals(run.now[0] - breaker.phaseSinceNanos() >= run.openNanos, breaker.wouldPermit(),
                        "an open breaker admits only after its open-duration");
            }
        }

        private String describe() {
            StringBuilder s = new StringBuilder("[");
            for (Endpoint e : run.upstream.endpoints()) {
                PickFuzzRun.Kept k = run.keptOf.get(e);
                s.append(e.label()).append(k.backup ? " backup" : "").append(" w").append(k.weight)
                        .append(k.modelHealthy ? " healthy " : " unhealthy ").append(e.breaker().state())
                        .append(e.breaker().wouldPermit() ? " admits; " : " refuses; ");
            }
            return s.append("]").toString();
        }

        private Map<String, String> homesNow() {
            Map<String, String> now = new HashMap<>();
            if (run.policy != LoadBalancing.CONSISTENT_HASH) {
                return now;
            }
            Upstream pristine = run.pristine();
            for (int i = 0; i < KEYS; i++) {
                Endpoint home = pristine.pick(List.of(), KeyHash.of("user-" + i));
                home.breaker().onSuccess(1);
                now.put("user-" + i, home.label());
            }
            return now;
        }

        private void reload() {
            boolean ringKept = new PickFuzzReload(run, pending).apply();
            Map<String, String> after = homesNow();
            Set<String> present = run.kept.keySet();
            for (Map.Entry<String, String> home : ringKept ? homes.entrySet() : Set.<Map.Entry<String, String>>of()) {
                String moved = after.get(home.getKey());
                if (present.contains(home.getValue()) && !moved.equals(home.getValue())
                        && !run.kept.get(moved).addedByLastReload) {
                    fail(home.getKey() + " moved from " + home.getValue() + " to " + moved
                            + ", neither removed nor added by the reload");
                }
            }
            homes.clear();
            homes.putAll(after);
            keyedChoices.clear();
        }

        /** With the state held still, many picks: each endpoint's share as its weight and warmth say. */
        private void shares() {
            while (!pending.isEmpty()) {
                PickFuzzPending p = pending.remove(0);
                p.endpoint().attemptEnded();
                p.endpoint().breaker().onCancelled(p.phase());
            }
            for (Endpoint e : run.upstream.endpoints()) {
                CircuitBreaker b = e.breaker();
                if (b.state() == CircuitBreaker.State.HALF_OPEN || b.state() == CircuitBreaker.State.OPEN
                        && b.wouldPermit()) {
                    return;
                }
            }
            new PickFuzzShares(run, model().eligible()).check();
        }
    }
}
