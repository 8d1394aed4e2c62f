package dev.rampart.core.config;

import com.typesafe.config.ConfigUtil;

import java.util.Optional;
import java.util.Set;

/**
 * Binds a route's optional {@code canary}: its upstream must be declared and not the route's own, its share a
 * percentage with at most two decimals, and it needs a route that forwards ({@code upstream}, not
 * {@code respond}); the header and cookie that choose a side must be names a request can carry.
 */
final class CanaryBinder {

    private CanaryBinder() {
    }

    static Optional<CanaryConfig> bind(ConfigSection route, Optional<String> routeUpstream, Set<String> upstreamNames,
                                       String requestIdHeader) {
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
            s.problem("percent", "at most two decimals (0.01 is the smallest share), got "
                    + ConfigUnits.decimal(percent));
        }
        Optional<ConsistentHashConfig> sticky = s.optionalSection("sticky").map(ConsistentHashBinder::key);
        Optional<String> byHeader = name(s, "by-header", "header", "X-Canary");
        String unreadable = byHeader.map(h -> TokenSourceBinder.unreadable(h, requestIdHeader, "use by-cookie"))
                .orElse(null);
        if (unreadable != null) {
            s.problem("by-header", byHeader.get() + " cannot choose a side: " + unreadable);
            byHeader = Optional.empty();
        }
        Optional<String> byHeaderValue = headerValue(s, byHeader);
        Optional<String> byCookie = name(s, "by-cookie", "cookie", "canary");
        s.finish();
        return Optional.of(new CanaryConfig(upstream, (int) Math.max(0, Math.min(CanaryConfig.ALL, basisPoints)),
                sticky, byHeader, byHeaderValue, byCookie));
    }

    private static Optional<String> name(ConfigSection s, String key, String what, String example) {
        Optional<String> name = s.optionalString(key);
        String notAName = name.map(n -> RampartBinder.notAName(what, example, n)).orElse(null);
        if (notAName != null) {
            s.problem(key, notAName);
            return Optional.empty();
        }
        return name;
    }

    private static Optional<String> headerValue(ConfigSection s, Optional<String> byHeader) {
        Optional<String> value = s.optionalString("by-header-value");
        if (value.isEmpty()) {
            return value;
        }
        if (!s.has("by-header")) {
            s.problem("by-header-value", "is read only with by-header, the header that carries the value");
        } else if (value.get().isEmpty() || !value.get().equals(value.get().strip())
                || !value.get().chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            // A field value arrives without the spaces around it (RFC 9110 §5.5), and text above ASCII has no agreed
            // encoding in a header: such a value could never match what a client sends.
            s.problem("by-header-value", "expected a header value of printable ASCII without leading or trailing"
                    + " spaces, got " + ConfigUtil.quoteString(value.get()));
        } else if (byHeader.isPresent()) {
            return value;
        }
        return Optional.empty();
    }
}
