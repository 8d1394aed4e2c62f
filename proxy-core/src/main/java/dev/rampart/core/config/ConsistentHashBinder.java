package dev.rampart.core.config;

import java.util.Optional;

/**
 * Binds an upstream's {@code consistent-hash} block: present (or defaulted) exactly when
 * {@code load-balancing = consistent-hash}; written beside any other policy, it would be ignored, so it is refused.
 */
final class ConsistentHashBinder {

    private ConsistentHashBinder() {
    }

    static Optional<ConsistentHashConfig> bind(ConfigSection upstream, LoadBalancing loadBalancing) {
        Optional<ConfigSection> block = upstream.optionalSection("consistent-hash");
        if (loadBalancing != LoadBalancing.CONSISTENT_HASH) {
            if (block.isPresent()) {
                upstream.problem("consistent-hash", "is read only with load-balancing = consistent-hash"
                        + " (load-balancing is " + loadBalancing.configName() + ")");
            }
            return Optional.empty();
        }
        return Optional.of(block.map(ConsistentHashBinder::keyWithBound).orElse(ConsistentHashConfig.DEFAULT));
    }

    /** An upstream's block: the key, and the {@code balance-factor} a canary's {@code sticky} does not have. */
    private static ConsistentHashConfig keyWithBound(ConfigSection s) {
        int factor = s.integer("balance-factor", 0, 0, 100_000,
                "a percent from 100 to 100000 (e.g. 150), or 0 for no bound");
        if (factor != 0 && factor < ConsistentHashConfig.MIN_BALANCE_FACTOR) {
            s.problem("balance-factor", "expected at least 100 (the percent of its average load an endpoint may take"
                    + " before its keys go on along the ring, e.g. 150), or 0 or nothing for no bound; got " + factor);
            factor = 0;
        }
        return key(s).withBalanceFactor(factor);
    }

    /**
     * {@code key} and {@code name} of a block that keys requests (an upstream's {@code consistent-hash}, a
     * canary's {@code sticky}); the block is finished.
     */
    static ConsistentHashConfig key(ConfigSection s) {
        ConsistentHashConfig.Key key = s.choice("key", ConsistentHashConfig.Key.CLIENT_ADDRESS,
                ConsistentHashConfig.Key.values(), ConsistentHashConfig.Key::configName);
        Optional<String> name = s.optionalString("name");
        String notAName = name.map(n -> RampartBinder.notAName(key.configName(), example(key), n)).orElse(null);
        ConsistentHashConfig bound = ConsistentHashConfig.DEFAULT; // unless the key is sound
        if (!key.named()) {
            if (name.isPresent()) {
                s.problem("name", "is read only with key = header or key = cookie (key is " + key.configName() + ")");
            }
            bound = new ConsistentHashConfig(key, Optional.empty());
        } else if (name.isEmpty()) {
            if (!s.has("name")) {
                s.problem("name", "missing: key = " + key.configName() + " needs the " + key.configName()
                        + " whose value is the key, e.g. name = \"" + example(key) + "\"");
            }
        } else if (notAName != null) {
            s.problem("name", notAName);
        } else if (key == ConsistentHashConfig.Key.HEADER && ProxySetHeaders.isOne(name.get())) {
            s.problem("name", ProxySetHeaders.asKey(name.get(), "a key", "for a key per client, use"
                    + " key = client-address (behind load balancers, with server.trusted-proxies)"));
        } else {
            bound = new ConsistentHashConfig(key, name);
        }
        s.finish();
        return bound;
    }

    private static String example(ConsistentHashConfig.Key key) {
        return key == ConsistentHashConfig.Key.HEADER ? "X-User-Id" : "session";
    }
}
