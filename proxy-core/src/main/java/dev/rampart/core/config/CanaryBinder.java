package dev.rampart.core.config;

import java.util.Optional;
import java.util.Set;

/**
 * Binds a route's optional {@code canary}: its upstream must be declared and not the route's own, its share a
 * percentage with at most two decimals, and it needs a route that forwards ({@code upstream}, not
 * {@code respond}).
 */
final class CanaryBinder {

    private CanaryBinder() {
    }

    static Optional<CanaryConfig> bind(ConfigSection route, Optional<String> routeUpstream, Set<String> upstreamNames) {
        Optional<ConfigSection> block = route.optionalSection("canary");
        if (block.isEmpty()) {
            return Optional.empty();
        }
        ConfigSection s = block.get();
        if (routeUpstream.isEmpty()) {
            route.problem("canary", "needs the route's upstream: a canary takes a share of what the route forwards");
        }
        String upstream = s.string("upstream", "");
        if (!s.has("upstream")) {
            s.problem("upstream", "missing (expected the name of the upstream that takes the canary's share)");
        } else if (routeUpstream.isPresent() && routeUpstream.get().equals(upstream)) {
            s.problem("upstream", "is the route's own upstream: name the one that takes the canary's share");
        } else {
            RouteBinder.checkUpstream(s, upstream, upstreamNames);
        }
        if (!s.has("percent")) {
            s.problem("percent", "missing (expected the share of requests the canary takes, 0-100, e.g. 5)");
        }
        double percent = s.percent("percent", 0);
        long basisPoints = Math.round(percent * 100);
        if (Math.abs(percent * 100 - basisPoints) > 1e-6) {
            s.problem("percent", "at most two decimals (0.01 is the smallest share), got " + percent);
        }
        Optional<ConsistentHashConfig> sticky = s.optionalSection("sticky").map(ConsistentHashBinder::key);
        s.finish();
        return Optional.of(new CanaryConfig(upstream, (int) Math.max(0, Math.min(CanaryConfig.ALL, basisPoints)), sticky));
    }
}
