package dev.rampart.core.config;

import java.util.Optional;

/**
 * An upstream's {@code consistent-hash}: what of a request keys the endpoint it goes to when
 * {@code load-balancing = consistent-hash}. Requests with the same key go to the same endpoint while it is
 * available; adding or removing an endpoint moves only about its share of the keys.
 *
 * @param name the header or cookie whose value is the key; present exactly when {@code key} is
 *             {@link Key#HEADER} or {@link Key#COOKIE}
 */
public record ConsistentHashConfig(Key key, Optional<String> name) {

    /** {@code consistent-hash {}}: keyed by the client's address, as nginx's {@code ip_hash}. */
    public static final ConsistentHashConfig DEFAULT = new ConsistentHashConfig(Key.CLIENT_ADDRESS, Optional.empty());

    public ConsistentHashConfig {
        if (name.isPresent() != key.named()) {
            throw new IllegalArgumentException("a name is given exactly for key = header and key = cookie");
        }
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
