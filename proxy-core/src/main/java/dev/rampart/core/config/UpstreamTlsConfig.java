package dev.rampart.core.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How the proxy checks {@code https://} endpoints of an upstream, and what it shows them of itself
 * ({@code rampart.upstreams.NAME.tls}, an addition to the contract's keys, like nginx's
 * {@code proxy_ssl_trusted_certificate}, {@code proxy_ssl_certificate} and {@code proxy_ssl_certificate_key}).
 *
 * @param trustCertChain    PEM certificates to trust instead of the JVM's default trust store
 * @param verifyHostname    whether the endpoint's certificate must name its host (default true)
 * @param clientCertificate the certificate and key presented to an endpoint that asks for one (mutual TLS)
 * @param handshake         the TLS versions and cipher suites offered to endpoints
 */
public record UpstreamTlsConfig(Optional<Path> trustCertChain, boolean verifyHostname,
                                Optional<TlsConfig> clientCertificate, TlsHandshakeConfig handshake) {

    /** The defaults: the JVM's trust store, host names verified, no client certificate, the JVM's TLS versions. */
    public static final UpstreamTlsConfig DEFAULT = new UpstreamTlsConfig(Optional.empty(), true, Optional.empty(),
            TlsHandshakeConfig.DEFAULT);
}
