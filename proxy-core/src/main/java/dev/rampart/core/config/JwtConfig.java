package dev.rampart.core.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A route's {@code jwt}: requests must carry a bearer token (a JSON Web Token) signed by a key of the key set,
 * unexpired, and for the issuer and audience named; the upstream gets chosen claims as headers.
 *
 * @param keys         where the key set comes from: a file read with the config, or a URI the proxy fetches
 * @param issuer       the {@code iss} a token must have; empty: any
 * @param audiences    a token's {@code aud} must name one of these; empty: not checked
 * @param algorithms   the signature algorithms taken (JWA names), asymmetric only
 * @param clockSkew    leeway for {@code exp} and {@code nbf}
 * @param claimHeaders claim name to the request header the upstream gets it in, in file order
 * @param forwardToken whether the upstream gets the token too: false removes every header and cookie of
 *                     {@code tokenSources} from the request
 * @param tokenSources where the token is looked for, in order; the first that carries one gives it
 * @param requiredClaims claim name to the values a passing token's claim must have, each of them; empty: none
 */
public record JwtConfig(JwksSource keys, Optional<String> issuer, List<String> audiences,
                        List<String> algorithms, Duration clockSkew, Map<String, String> claimHeaders,
                        boolean forwardToken, List<TokenSource> tokenSources,
                        Map<String, List<String>> requiredClaims) {

    /** Every asymmetric JWS algorithm: a key that can check a signature then cannot make one. */
    public static final List<String> ASYMMETRIC_ALGORITHMS = List.of(
            "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");
    /** The claims a token writes as one string of space-separated scopes (RFC 8693 §4.2). */
    public static final Set<String> SCOPE_CLAIMS = Set.of("scope", "scp");
    /** Envoy's default {@code clock_skew_seconds}. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

    /** The key set's URI and refresh when it is fetched ({@code jwks-uri}); empty for a {@code jwks-file}. */
    public Optional<JwksSource.Remote> remoteKeys() {
        return keys instanceof JwksSource.Remote remote ? Optional.of(remote) : Optional.empty();
    }

    public JwtConfig {
        audiences = List.copyOf(audiences);
        algorithms = List.copyOf(algorithms);
        claimHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(claimHeaders));
        tokenSources = List.copyOf(tokenSources);
        Map<String, List<String>> required = new LinkedHashMap<>();
        requiredClaims.forEach((claim, values) -> required.put(claim, List.copyOf(values)));
        requiredClaims = Collections.unmodifiableMap(required);
        if (tokenSources.isEmpty()) {
            throw new IllegalArgumentException("no place to look for the token");
        }
    }

    /** A route's check of tokens in {@code Authorization: Bearer}, the default place. */
    public JwtConfig(JwksSource keys, Optional<String> issuer, List<String> audiences, List<String> algorithms,
                     Duration clockSkew, Map<String, String> claimHeaders, boolean forwardToken) {
        this(keys, issuer, audiences, algorithms, clockSkew, claimHeaders, forwardToken, TokenSource.DEFAULT, Map.of());
    }

}
