package dev.rampart.core.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The listener's TLS ({@code rampart.server.tls}): its certificate and key, and whether it asks clients for a
 * certificate of their own (mutual TLS, an addition to the contract's keys: {@code client-auth} and
 * {@code trust-cert-chain}, as nginx's {@code ssl_verify_client} and {@code ssl_client_certificate}).
 *
 * @param certChain      the listener's certificates, its own first (PEM)
 * @param privateKey     the key of the first certificate (PEM)
 * @param clientAuth     whether clients are asked for a certificate, and whether one is required
 * @param trustCertChain the certificates a client's must chain to; present exactly when clients are asked
 * @param handshake      the TLS versions and cipher suites the listener accepts
 */
public record ServerTlsConfig(Path certChain, Path privateKey, ClientAuth clientAuth, Optional<Path> trustCertChain,
                              TlsHandshakeConfig handshake) {

    /** Whether the listener asks clients for a certificate. */
    public enum ClientAuth {
        /** Not asked: one-way TLS, the default. */
        NONE,
        /** Asked for; a client without one is served, one with an untrusted one is refused. */
        OPTIONAL,
        /** A trusted certificate is required to complete the handshake. */
        REQUIRED
    }

    /** The certificate and key, as the PEM files are read for any TLS setting. */
    public TlsConfig certificate() {
        return new TlsConfig(certChain, privateKey);
    }
}
