package dev.rampart.core.config;

import java.util.Optional;

/**
 * An upstream's {@code consistent-hash}: what of a request keys the endpoint it goes to when
 * {@code load-balancing = consistent-hash}. Requests with the same key go to the same endpoint while it is
 * available; adding or removing an endpoint moves only about its share of the keys.
 *
 * @param name          the header or cookie whose value is the key; present exactly when {@code key} is
 *                      {@link Key#HEADER} or {@link Key#COOKIE}
 * @param balanceFactor an upstream's bound on an endpoint's load, in percent of the average its weight gives it,
 *                      past which its keys go on along the ring (HAProxy's {@code hash-balance-factor}, Envoy's
 *                      {@code hash_balance_factor}); 0: no bound (and always 0 for a canary's {@code sticky})
 */
public record ConsistentHashConfig(Key key, Optional<String> name, int balanceFactor) {

    /** {@code consistent-hash {}}: keyed by the client's address, as nginx's {@code ip_hash}. */
    public static final ConsistentHashConfig DEFAULT = new ConsistentHashConfig(Key.CLIENT_ADDRESS, Optional.empty());

    /** The smallest bound there is: every endpoint at its average. */
    public static final int MIN_BALANCE_FACTOR = 100;

    public ConsistentHashConfig {
        if (name.isPresent() != key.named()) {
            throw new IllegalArgumentException("a name is given exactly for key = header and key = cookie");
        }
        if (balanceFactor != 0 && balanceFactor < MIN_BALANCE_FACTOR) {
            throw new IllegalArgumentException("a balance factor is 0 or at least 100, got " + balanceFactor);
        }
    }

    /** A key without a bound on load. */
    public ConsistentHashConfig(Key key, Optional<String> name) {
        this(key, name, 0);
    }

    /** This key with a bound on load ({@code balance-factor}). */
    ConsistentHashConfig withBalanceFactor(int factor) {
        return new ConsistentHashConfig(key, name, factor);
    }

    /** What keys the endpoint. */
    public enum Key {
        /** The client's address (behind {@code trusted-proxies}, the client they name). */
        CLIENT_ADDRESS("client-address"),
        /** The value of a request header, a user or tenant id say; a request without it has no key. */
        HEADER("header"),
        /** The value of a cookie, a session id say; a request without it has no key. */
        COOKIE("cookie"),
        /** The request's path in normal form, without its query (a cache's shard). */
        PATH("path");

        private final String configName;

        Key(String configName) {
            this.configName = configName;
        }

        /** The spelling used in HOCON. */
        public String configName() {
            return configName;
        }

        /** Whether the key is the value of something named: a header or a cookie. */
        public boolean named() {
            return this == HEADER || this == COOKIE;
        }
    }
}
