package dev.rampart.core.upstream;

import dev.rampart.core.health.EndpointHealth;

import java.util.List;

/**
 * A random reload of a {@link PickFuzzRun}'s upstream, as the proxy makes it: an endpoint added or removed, weights or
 * backup flags changed, or new health-check thresholds under which each endpoint's verdict and results in a row go on.
 */
final class PickFuzzReload {

    private final PickFuzzRun run;
    private final List<PickFuzzPending> pending;

    PickFuzzReload(PickFuzzRun run, List<PickFuzzPending> pending) {
        this.run = run;
        this.pending = pending;
    }

    /** @return whether the ring kept its points: no weight or backup flag changed, so only added or removed ones move keys */
    boolean apply() {
        run.order.forEach(k -> k.addedByLastReload = false);
        int kind = run.random.nextInt(5);
        switch (kind) {
            case 0 -> remove();
            case 1 -> {
                if (run.order.size() < 6) {
                    run.addEndpoint(run.now[0]).addedByLastReload = true;
                }
            }
            case 2 -> run.order.forEach(k -> k.weight = run.random.nextBoolean() ? 1 : 1 + run.random.nextInt(3));
            case 3 -> {
                PickFuzzRun.Kept k = run.order.get(run.random.nextInt(run.order.size()));
                k.backup = !k.backup;
                if (run.order.stream().allMatch(e -> e.backup)) {
                    k.backup = false;
                }
            }
            default -> thresholds();
        }
        run.rebuild();
        return kind != 2 && kind != 3;
    }

    private void remove() {
        if (run.order.size() <= 2) {
            return;
        }
        PickFuzzRun.Kept gone = run.order.get(run.random.nextInt(run.order.size()));
        if (run.order.stream().filter(k -> k != gone).allMatch(k -> k.backup)) {
            return;
        }
        // Its attempts in flight end under the old config, as a reload lets them.
        pending.removeIf(p -> {
            Endpoint e = p.endpoint();
            if (e.label().equals(gone.address.authority())) {
                e.attemptEnded();
                e.breaker().onCancelled(p.phase());
                return true;
            }
            return false;
        });
        run.order.remove(gone);
        run.kept.remove(gone.address.authority());
    }

    private void thresholds() {
        run.healthyThreshold = 1 + run.random.nextInt(3);
        run.unhealthyThreshold = 1 + run.random.nextInt(3);
        for (PickFuzzRun.Kept k : run.order) {
            k.health = new EndpointHealth(run.healthyThreshold, run.unhealthyThreshold, k.health,
                    EndpointHealth.Listener.NOOP, () -> run.now[0]);
        }
    }
}
