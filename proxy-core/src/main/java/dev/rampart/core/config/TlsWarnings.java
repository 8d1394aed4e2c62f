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
        config.server().tls().ifPresent(tls -> datesWarning(tls.certificate(), "server.tls.cert-chain", "clients",
                clock.instant(), warnings));
        for (Map.Entry<String, UpstreamConfig> e : config.upstreams().entrySet()) {
            UpstreamConfig upstream = e.getValue();
            boolean https = upstream.endpoints().stream().anyMatch(EndpointAddress::tls);
            if (https && !upstream.tls().verifyHostname()) {
                warnings.add("upstream \"" + e.getKey() + "\": tls.verify-hostname = false; an endpoint may present"
                        + " a certificate for any name its trusted certificates vouch for");
            }
            upstream.tls().clientCertificate().ifPresent(tls -> datesWarning(tls,
                    "upstream \"" + e.getKey() + "\": tls.cert-chain", "endpoints that ask for it",
                    clock.instant(), warnings));
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

    private static String day(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
