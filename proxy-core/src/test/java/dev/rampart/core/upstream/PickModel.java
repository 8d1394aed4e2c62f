package dev.rampart.core.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which endpoints a pick may take, as docs/configuration.md words it (health-check, backup endpoints,
 * prefer-other-endpoint), written apart from {@link Upstream} so that a randomized test can hold one against the other.
 * Health comes from the test's own record of probe results, the breakers' admission from the breakers.
 */
final class PickModel {

    /** The test's verdict of each endpoint, from the probe results it fed and the thresholds in force. */
    interface Verdicts {
        boolean healthy(Endpoint e);
    }

    private final List<Endpoint> endpoints;
    private final Verdicts verdicts;

    PickModel(List<Endpoint> endpoints, Verdicts verdicts) {
        this.endpoints = endpoints;
        this.verdicts = verdicts;
    }

    private static boolean admits(Endpoint e) {
        return e.breaker().wouldPermit();
    }

    /** Panic mode: no endpoint both passes its check and is admitted by its breaker, so health is ignored. */
    boolean panicking() {
        for (Endpoint e : endpoints) {
            if (verdicts.healthy(e) && admits(e)) {
                return false;
            }
        }
        return true;
    }

    /** Endpoints that may take a request now, leaving out {@code skipped}: admitted, in rotation, backups only last. */
    List<Endpoint> eligible(Predicate<Endpoint> skipped) {
        boolean panic = panicking();
        List<Endpoint> available = new ArrayList<>();
        for (Endpoint e : endpoints) {
            if (admits(e) && (panic || verdicts.healthy(e)) && !skipped.test(e)) {
                available.add(e);
            }
        }
        boolean anyPrimary = available.stream().anyMatch(e -> !e.backup());
        available.removeIf(e -> e.backup() == anyPrimary);
        return available;
    }

    /** Endpoints a new request may go to. */
    List<Endpoint> eligible() {
        return eligible(e -> false);
    }

    /**
     * Endpoints a retry that tried {@code tried} (the last most recently) may go to: one not tried when there is one,
     * else one besides the last tried, else any.
     */
    List<Endpoint> eligibleForRetry(List<Endpoint> tried) {
        List<Endpoint> untried = eligible(tried::contains);
        if (!untried.isEmpty() || tried.isEmpty()) {
            return untried;
        }
        Endpoint last = tried.get(tried.size() - 1);
        List<Endpoint> notLast = tried.size() > 1 ? eligible(e -> e == last) : List.of();
        return notLast.isEmpty() ? eligible() : notLast;
    }
}
