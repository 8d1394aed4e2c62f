package dev.rampart.core.config;

import java.nio.file.Path;

/**
 * A PEM certificate chain and its private key: the listener's ({@code rampart.server.tls}), or the client
 * certificate an upstream's {@code https://} connections present ({@code rampart.upstreams.NAME.tls}).
 */
public record TlsConfig(Path certChain, Path privateKey) {
}
