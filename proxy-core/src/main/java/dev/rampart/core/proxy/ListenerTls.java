package dev.rampart.core.proxy;

import dev.rampart.core.config.PemFiles;
import dev.rampart.core.config.ServerTlsConfig;
import dev.rampart.core.tls.CurrentCertificatesTrustManager;
import dev.rampart.core.tls.HandshakeSettings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The listener's TLS settings with the contents of their files as read now: two are equal when the settings,
 * the key, the certificate chain and the certificates trusted for clients are, whatever the files' dates. A
 * reload that leaves them equal keeps the listener's context, and with it the sessions and ticket keys its
 * clients resume with.
 */
record ListenerTls(ServerTlsConfig config, PemFiles.KeyAndChain keyAndChain, List<X509Certificate> trusted) {

    /**
     * Reads the files of {@code tls}, in the forms the config check accepts (Netty's own reading takes PKCS#8
     * only). Throws {@link IllegalStateException} naming the files when one has become unusable since the check.
     */
    static ListenerTls read(ServerTlsConfig tls) {
        PemFiles.KeyAndChain keyAndChain = PemFiles.keyAndChain(tls.certificate());
        List<X509Certificate> trusted = tls.trustCertChain().map(f -> PemFiles.certificates(f).list()).orElse(List.of());
        return new ListenerTls(tls, keyAndChain, trusted);
    }

    /** A server context serving the certificate chain, asking clients for theirs as {@code client-auth} says. */
    SslContext newContext() {
        try {
            SslContextBuilder builder = HandshakeSettings.apply(
                    SslContextBuilder.forServer(keyAndChain.key(), keyAndChain.chain()), config.handshake())
                    // A client that offers ALPN is told http/1.1, as nginx and Envoy tell it (some clients want a
                    // protocol confirmed); one that offers only others (h2) gets none and goes on as it can.
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1));
            if (config.clientAuth() != ServerTlsConfig.ClientAuth.NONE) {
                builder.clientAuth(config.clientAuth() == ServerTlsConfig.ClientAuth.REQUIRED
                                ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
                        .trustManager(CurrentCertificatesTrustManager.trusting(config.trustCertChain().orElseThrow()));
            }
            return builder.build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot load TLS certificate " + config.certChain() + " / key "
                    + config.privateKey() + config.trustCertChain().map(trust -> " / client trust " + trust).orElse("")
                    + ": " + e.getMessage(), e);
        }
    }
}
