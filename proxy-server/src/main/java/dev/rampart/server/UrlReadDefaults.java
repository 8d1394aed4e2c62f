package dev.rampart.server;

import java.util.Properties;

/**
 * Timeouts for the JDK's HTTP URL connections, which have none by default, applied to the system properties
 * before any URL is read, so it must run first thing in {@link Main}. The config is their only reader: an
 * {@code include url(...)} has its own timeouts, but an include HOCON resolves relative to an included URL
 * opens a connection of HOCON's making, which would otherwise wait for ever on a server that accepts and
 * never answers, and hold the start, {@code --check}, or every reload after the one stuck on it. An operator
 * who sets {@code -Dsun.net.client.defaultReadTimeout} (or the connect one) keeps their own.
 */
final class UrlReadDefaults {

    static final String CONNECT_TIMEOUT = "sun.net.client.defaultConnectTimeout";
    static final String READ_TIMEOUT = "sun.net.client.defaultReadTimeout";
    /** Milliseconds, as the included URL's own connection has them (UrlInclude.TIMEOUT). */
    static final String TEN_SECONDS = "10000";

    private UrlReadDefaults() {
    }

    /** Sets the defaults in {@code properties} where the operator set nothing. */
    static void apply(Properties properties) {
        for (String key : new String[] {CONNECT_TIMEOUT, READ_TIMEOUT}) {
            if (properties.getProperty(key) == null) {
                properties.setProperty(key, TEN_SECONDS);
            }
        }
    }
}
