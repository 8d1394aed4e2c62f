package dev.rampart.core.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How the proxy checks {@code https://} endpoints of an upstream ({@code rampart.upstreams.NAME.tls},
 * an addition to the contract's keys, like nginx's {@code proxy_ssl_trusted_certificate}).
 *
 * @param trustCertChain PEM certificates to trust instead of the JVM's default trust store
 * @param verifyHostname whether the endpoint's certificate must name its host (default true)
 */
public record UpstreamTlsConfig(Optional<Path> trustCertChain, boolean verifyHostname) {

    /** The defaults: the JVM's trust store, host names verified. */
    public static final UpstreamTlsConfig DEFAULT = new UpstreamTlsConfig(Optional.empty(), true);
}
