package dev.rampart.core.config;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * The TLS settings {@code --check} warns about: files and flags the load accepts, but that make every
 * handshake fail, or that check less than the operator probably thinks. Apart from {@link ConfigWarnings}
 * because it reads the certificates' dates against a clock.
 */
final class TlsWarnings {

    private TlsWarnings() {
    }

    static void add(RampartConfig config, Clock clock, List<String> warnings) {
        Instant now = clock.instant();
        config.server().tls().ifPresent(tls -> datesWarning(tls.certificate(), "server.tls.cert-chain", "clients",
                now, warnings));
        config.server().tls().flatMap(ServerTlsConfig::trustCertChain).ifPresent(trust -> trustWarning(trust,
                "server.tls.trust-cert-chain", "every client certificate", now, warnings));
        for (RouteConfig route : config.routes()) {
            route.jwt().flatMap(JwtConfig::remoteKeys).flatMap(JwksSource.Remote::trustCertChain)
                    .ifPresent(trust -> trustWarning(trust, "route \"" + route.name() + "\": jwt.jwks-trust-cert-chain",
                            "the key set server's certificate", now, warnings));
        }
        for (Map.Entry<String, UpstreamConfig> e : config.upstreams().entrySet()) {
            UpstreamConfig upstream = e.getValue();
            boolean https = upstream.endpoints().stream().anyMatch(EndpointAddress::tls);
            if (!https && !upstream.tls().equals(UpstreamTlsConfig.DEFAULT)) {
                // nginx ignores proxy_ssl_* without "proxy_pass https://" the same way, and as silently:
                // "backend:8443" with a trust file reads as TLS to anyone but the proxy.
                warnings.add("upstream \"" + e.getKey() + "\": tls settings apply only to https:// endpoints, and it"
                        + " has none: its endpoints are reached over plain HTTP (write https://host:port for TLS)");
            }
            if (https && !upstream.tls().verifyHostname()) {
                warnings.add("upstream \"" + e.getKey() + "\": tls.verify-hostname = false; an endpoint may present"
                        + " a certificate for any name its trusted certificates vouch for");
            }
            upstream.tls().clientCertificate().ifPresent(tls -> datesWarning(tls,
                    "upstream \"" + e.getKey() + "\": tls.cert-chain", "endpoints that ask for it", now, warnings));
            upstream.tls().trustCertChain().ifPresent(trust -> trustWarning(trust,
                    "upstream \"" + e.getKey() + "\": tls.trust-cert-chain", "every endpoint certificate", now,
                    warnings));
        }
    }

    /**
     * A certificate the proxy shows (its listener's, or its client certificate) outside its dates: those it is
     * shown to refuse every handshake. The proxy starts with it all the same, as nginx does.
     */
    private static void datesWarning(TlsConfig tls, String key, String refusers, Instant now, List<String> warnings) {
        List<X509Certificate> chain = PemFiles.certificates(tls.certChain()).list();
        if (chain.isEmpty()) {
            return; // the load itself refuses such a file
        }
        X509Certificate shown = chain.get(0);
        Instant notAfter = shown.getNotAfter().toInstant();
        Instant notBefore = shown.getNotBefore().toInstant();
        String where = key + " (" + tls.certChain() + "): ";
        if (notAfter.isBefore(now)) {
            warnings.add(where + "the certificate expired on " + day(notAfter) + "; " + refusers
                    + " will refuse every handshake");
        } else if (notBefore.isAfter(now)) {
            warnings.add(where + "the certificate is not valid before " + day(notBefore) + "; " + refusers
                    + " will refuse every handshake until then");
        }
    }

    /**
     * A trust file all of whose certificates are past their dates: the proxy holds a trusted certificate to its
     * dates too (as OpenSSL does), so nothing chains to it any more and every handshake it checks fails.
     */
    private static void trustWarning(java.nio.file.Path trust, String key, String refused, Instant now,
                                     List<String> warnings) {
        List<X509Certificate> trusted = PemFiles.certificates(trust).list();
        if (trusted.isEmpty() || trusted.stream().anyMatch(c -> !c.getNotAfter().toInstant().isBefore(now))) {
            return;
        }
        Instant last = trusted.stream().map(c -> c.getNotAfter().toInstant()).max(Instant::compareTo).orElseThrow();
        warnings.add(key + " (" + trust + "): every certificate in it has expired, the last on " + day(last) + "; "
                + refused + " will be refused, since none can chain to an expired one");
    }

    private static String day(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
