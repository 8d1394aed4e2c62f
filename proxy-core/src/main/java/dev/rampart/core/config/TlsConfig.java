package dev.rampart.core.config;

import java.nio.file.Path;

/** PEM certificate chain and private key for the listener ({@code rampart.server.tls}). */
public record TlsConfig(Path certChain, Path privateKey) {
}
