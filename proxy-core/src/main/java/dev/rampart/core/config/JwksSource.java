package dev.rampart.core.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Where a route's {@code jwt} takes its key set from: a file read with the config, or an issuer's URI. */
public sealed interface JwksSource {

    /**
     * {@code jwks-file}: read and checked when the config is loaded, and again on every reload.
     *
     * @param path where the key set was read from
     * @param jwks the key set as read ({@code JWKSet} JSON), public keys only
     */
    record File(Path path, String jwks) implements JwksSource {
        /** The key set is not printed: it is long, and what matters is the file it came from. */
        @Override
        public String toString() {
            return "File[" + path + "]";
        }
    }

    /**
     * {@code jwks-uri}: fetched by the proxy from the start, off its event loops, and again every {@code refresh}.
     *
     * @param uri            the issuer's key set, as its {@code jwks_uri} names it
     * @param refresh        how long a fetched key set is used before it is fetched again
     * @param trustCertChain {@code jwks-trust-cert-chain}: the PEM certificates (a private CA) an https URI's server
     *                       must chain to, read at each fetch; empty: the JVM's trust store
     */
    record Remote(URI uri, Duration refresh, Optional<Path> trustCertChain) implements JwksSource {
    }

    /**
     * {@code uri} as logs and {@code /admin/routes} show it: its query, which may carry a credential
     * ({@code ?access_token=...}, as the access log leaves queries out for), replaced by {@code <redacted>}.
     */
    static String shown(URI uri) {
        return UriRedaction.query(uri.toString());
    }

    /** Envoy's default {@code cache_duration} for a remote key set. */
    Duration DEFAULT_REFRESH = Duration.ofMinutes(5);
}
