package dev.rampart.core.config;

import java.util.List;

/**
 * Which TLS versions and cipher suites a side of the proxy offers and accepts ({@code protocols} and
 * {@code ciphers} in {@code rampart.server.tls} and {@code rampart.upstreams.NAME.tls}; additions to the
 * contract's keys, as nginx's {@code ssl_protocols} / {@code ssl_ciphers} and {@code proxy_ssl_protocols} /
 * {@code proxy_ssl_ciphers}). Empty lists leave the JVM's defaults.
 *
 * @param protocols TLS versions by their JSSE names ({@code TLSv1.3}, {@code TLSv1.2}), in no particular order
 * @param ciphers   cipher suites by their JSSE (IANA) names, in order of preference
 */
public record TlsHandshakeConfig(List<String> protocols, List<String> ciphers) {

    /** The JVM's defaults for both. */
    public static final TlsHandshakeConfig DEFAULT = new TlsHandshakeConfig(List.of(), List.of());

    public TlsHandshakeConfig {
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
    }
}
