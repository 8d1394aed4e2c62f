package dev.rampart.core.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A token remembered as good stands across a {@code jwks-uri} change only while the keys that could have checked it
 * are still in the set exactly as they were: a key replaced under the same {@code kid}, a key whose {@code alg} no
 * longer allows the token's, or, for a token without a {@code kid}, the key that signed it withdrawn while others
 * remain, must each have the token refused at its next use, not passed from memory. The check budget here never runs
 * out, so a token checked again gets its true verdict.
 */
class RememberedTokensAfterKeyChangesTest {

    private static final URI JWKS = URI.create("https://issuer.test/jwks");
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong();
    private final List<CompletableFuture<String>> fetches = new ArrayList<>();
    private final RemoteKeySet set = new RemoteKeySet(JWKS, Duration.ofMinutes(5), now::get, uri -> {
        CompletableFuture<String> fetch = new CompletableFuture<>();
        fetches.add(fetch);
        return fetch;
    }, ok -> { });
    private final JwtVerifier verifier = new JwtVerifier(new JwtConfig(new JwksSource.Remote(JWKS, Duration.ofMinutes(5),
            Optional.empty()), Optional.of(TestTokens.ISSUER), List.of(TestTokens.AUDIENCE), JwtConfig.ASYMMETRIC_ALGORITHMS,
            Duration.ofSeconds(60), Map.of(), true), Clock.systemUTC(), new CheckBudget(now::get, () -> 0L), set);

    private void firstFetch(String body) {
        set.refreshIfDue();
        fetches.get(0).complete(body);
    }

    /** The next fetch, due after jwks-refresh, brings {@code keys}. */
    private void fetchAfterTheRefreshInterval(List<JWK> keys) {
        now.addAndGet(300 * SECOND);
        set.refreshIfDue();
        fetches.get(fetches.size() - 1).complete(new JWKSet(keys).toString());
    }

    private static JWK rsaKey() throws Exception {
        return JWKSet.parse(TestTokens.rsaPublicKeySet()).getKeys().get(0);
    }

    private static ECKey ecKey() throws Exception {
        return (ECKey) JWKSet.parse(TestTokens.ecPublicKeySet()).getKeys().get(0);
    }

    @Test
    void aKeyReplacedUnderTheSameKidRefusesTheTokensOfTheOldOne() throws Exception {
        firstFetch(TestTokens.publicKeySet());
        String token = TestTokens.es256(TestTokens.claims(Instant.now()).build());
        assertNotNull(verifier.verify(token));

        ECKey replacement = new ECKeyGenerator(Curve.P_256).keyID(ecKey().getKeyID()).generate().toPublicJWK();
        fetchAfterTheRefreshInterval(List.of(rsaKey(), replacement));
        assertNull(verifier.verify(token), "the kid names another key now: the signature no longer checks");
    }

    @Test
    void aKeyWhoseAlgorithmChangedRefusesTheTokensItChecked() throws Exception {
        firstFetch(TestTokens.publicKeySet());
        String token = TestTokens.es256(TestTokens.claims(Instant.now()).build());
        assertNotNull(verifier.verify(token));

        fetchAfterTheRefreshInterval(List.of(rsaKey(), new ECKey.Builder(ecKey()).algorithm(JWSAlgorithm.ES512).build()));
        assertNull(verifier.verify(token), "the key checks ES512 signatures only now");
    }

    @Test
    void aTokenWithoutKidStandsWhileItsKeyIsThereAndIsRefusedOnceItIsWithdrawn() throws Exception {
        firstFetch(TestTokens.publicKeySet());
        String token = TestTokens.sign(JWSAlgorithm.ES256, null, TestTokens.claims(Instant.now()).build(),
                UnaryOperator.identity());
        assertNotNull(verifier.verify(token));

        ECKey published = new ECKeyGenerator(Curve.P_256).generate().toPublicJWK(); // no kid either
        fetchAfterTheRefreshInterval(List.of(rsaKey(), ecKey(), published));
        assertNotNull(verifier.verify(token), "a key added takes nothing from it");

        fetchAfterTheRefreshInterval(List.of(rsaKey(), published));
        assertNull(verifier.verify(token), "the key that signed it withdrawn; the one left does not check it");
    }
}
