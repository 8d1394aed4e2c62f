package dev.rampart.core.upstream;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many picks with a {@link PickFuzzRun}'s state held still, each endpoint's count held against its expected share:
 * its weight's part of the eligible endpoints' weights, times its {@code slow-start} share when it is warming (the
 * turns it skips going to the others by their weights). A chi-square with a generous bound; only with at most one
 * endpoint warming, whose expected share is then simple.
 */
final class PickFuzzShares {

    private static final int PICKS = 3000;

    private final PickFuzzRun run;
    private final List<Endpoint> eligible;

    PickFuzzShares(PickFuzzRun run, List<Endpoint> eligible) {
        this.run = run;
        this.eligible = eligible;
    }

    /** The model's slow-start share: since its last return (recovery, breaker phase change, joining by a reload). */
    double warmShare(PickFuzzRun.Kept k) {
        if (run.slowStartNanos == 0) {
            return 1;
        }
        long since = Math.max(k.joinedAt, k.recoveredAt);
        if (k.breaker.phase() != k.firstPhase) {
            since = Math.max(since, k.breaker.phaseSinceNanos());
        }
        if (since == Long.MIN_VALUE) {
            return 1;
        }
        long elapsed = run.now[0] - since;
        return elapsed >= run.slowStartNanos ? 1 : Math.max(0.1, (double) elapsed / run.slowStartNanos);
    }

    private String why(Endpoint e) {
        if (e == null) {
            return "";
        }
        PickFuzzRun.Kept k = run.keptOf.get(e);
        return " now " + run.now[0] + " joined " + k.joinedAt + " recovered " + k.recoveredAt + " phase "
                + k.breaker.phase() + " first " + k.firstPhase + " since " + k.breaker.phaseSinceNanos();
    }

    void check() {
        if (eligible.isEmpty()) {
            return;
        }
        Map<Endpoint, Double> expected = new HashMap<>();
        double total = eligible.stream().mapToInt(e -> run.keptOf.get(e).weight).sum();
        Endpoint warming = null;
        double share = 1;
        for (Endpoint e : eligible) {
            double s = warmShare(run.keptOf.get(e));
            if (s < 1) {
                if (warming != null) {
                    return;
                }
                warming = e;
                share = s;
            }
        }
        double warmingWeight = warming == null ? 0 : run.keptOf.get(warming).weight;
        for (Endpoint e : eligible) {
            double p = run.keptOf.get(e).weight / total;
            if (warming == null || eligible.size() == 1) {
                expected.put(e, p);
            } else if (e == warming) {
                expected.put(e, share * p);
            } else {
                double passed = (1 - share) * warmingWeight / total;
                expected.put(e, p + passed * run.keptOf.get(e).weight / (total - warmingWeight));
            }
        }
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < PICKS; i++) {
            Endpoint chosen = run.upstream.pick(List.of());
            assertTrue(eligible.contains(chosen), "held still, chose " + chosen + " outside " + eligible);
            chosen.breaker().onSuccess(1, chosen.breaker().phase());
            counts.merge(chosen, 1, Integer::sum);
            run.keptOf.get(chosen).failuresInBreaker = 0;
        }
        double chiSquare = 0;
        for (Endpoint e : eligible) {
            double want = expected.get(e) * PICKS;
            double diff = counts.getOrDefault(e, 0) - want;
            chiSquare += diff * diff / want;
        }
        int freedom = Math.max(1, eligible.size() - 1);
        double bound = freedom + 8 * Math.sqrt(2.0 * freedom) + 10;
        assertTrue(chiSquare < bound, "shares " + counts + " against expected " + expected + " (chi-square "
                + chiSquare + ", bound " + bound + ", warming " + warming + " at " + share + why(warming) + ")");
    }
}
