package dev.rampart.core.tls;

import dev.rampart.core.config.TlsHandshakeConfig;
import io.netty.handler.ssl.SslContextBuilder;

/** Puts a {@code tls} block's {@code protocols} and {@code ciphers} on a TLS context being built, on either side. */
public final class HandshakeSettings {

    private HandshakeSettings() {
    }

    /** Returns {@code builder} limited to the configured versions and suites; unchanged for the JVM's defaults. */
    public static SslContextBuilder apply(SslContextBuilder builder, TlsHandshakeConfig handshake) {
        if (!handshake.protocols().isEmpty()) {
            builder.protocols(handshake.protocols());
        }
        if (!handshake.ciphers().isEmpty()) {
            builder.ciphers(handshake.ciphers());
        }
        return builder;
    }
}
