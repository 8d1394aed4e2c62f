package dev.rampart.core.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An issuer rotates its keys in two steps (oidc-provider, Keycloak, Auth0 and Google alike): it publishes the new key
 * beside the old ones, and withdraws an old key later. Publishing a key takes nothing from a token already checked,
 * so the first step must keep the tokens remembered as good: forgetting them made every client's next request a
 * signature check at once, and on a busy route (1,500 ES256 clients of a real oidc-provider) most of those were
 * answered 503 UPSTREAM_OVERLOADED by the {@link CheckBudget}, for valid tokens, at every key published. Only a key
 * withdrawn or changed sends tokens to be checked again, and only those it could have checked: by the time an issuer
 * withdraws its old key, every client holds a token of the new one. The same keys in another order or spelling are no
 * change.
 */
class KeysRotatedAtTheIssuerTest {

    private static final URI JWKS = URI.create("https://issuer.test/jwks");
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong();
    private final List<CompletableFuture<String>> fetches = new ArrayList<>();
    private final RemoteKeySet set = new RemoteKeySet(JWKS, Duration.ofMinutes(5), now::get, uri -> {
        CompletableFuture<String> fetch = new CompletableFuture<>();
        fetches.add(fetch);
        return fetch;
    }, ok -> { });
    /**
     * Each check costs a whole second's share, so one check leaves the thread no time for another in that second of
     * the set's ticker: a token checked again shows as {@link JwtVerifier#NOT_CHECKED}, or as a new verdict.
     */
    private final AtomicLong spent = new AtomicLong();
    private final JwtVerifier verifier = new JwtVerifier(new JwtConfig(new JwksSource.Remote(JWKS, Duration.ofMinutes(5),
            Optional.empty()), Optional.of(TestTokens.ISSUER), List.of(TestTokens.AUDIENCE), JwtConfig.ASYMMETRIC_ALGORITHMS,
            Duration.ofSeconds(60), Map.of(), true), Clock.systemUTC(),
            new CheckBudget(now::get, () -> spent.getAndAdd(CheckBudget.NANOS_PER_WINDOW)), set);

    /** The next fetch, due after jwks-refresh, brings {@code body}. */
    private void fetchAfterTheRefreshInterval(String body) {
        now.addAndGet(300 * SECOND);
        assertTrue(set.refreshIfDue());
        fetches.get(fetches.size() - 1).complete(body);
    }

    @Test
    void aKeyPublishedBesideTheOldOnesKeepsTheTokensCheckedWithThem() throws Exception {
        set.refreshIfDue();
        fetches.get(0).complete(TestTokens.rsaPublicKeySet());
        String token = TestTokens.rs256(TestTokens.claims(Instant.now()).build());
        JwtVerifier.Verified checked = verifier.verify(token);
        assertNotNull(checked);
        assertTrue(checked.permitted());

        fetchAfterTheRefreshInterval(TestTokens.publicKeySet()); // the EC key published beside the RSA one
        assertEquals(2, set.keys().size());
        assertSame(checked, verifier.verify(token), "still remembered: no check needed, none refused for want of time");

        List<JWK> reversed = new ArrayList<>(JWKSet.parse(TestTokens.publicKeySet()).getKeys());
        Collections.reverse(reversed);
        JWKSet both = new JWKSet(reversed);
        fetchAfterTheRefreshInterval(both.toString());
        assertSame(checked, verifier.verify(token), "the same keys in another order are no change");

        fetchAfterTheRefreshInterval(TestTokens.ecPublicKeySet()); // the RSA key withdrawn
        assertNotSame(checked, verifier.verify(token), "checked again: no time left this second, so not passed");
    }

    @Test
    void aKeyWithdrawnSendsOnlyTheTokensItCouldHaveCheckedToBeCheckedAgain() {
        set.refreshIfDue();
        fetches.get(0).complete(TestTokens.publicKeySet()); // the old RSA key and the new EC key
        String oldKeysToken = TestTokens.rs256(TestTokens.claims(Instant.now()).build());
        String newKeysToken = TestTokens.es256(TestTokens.claims(Instant.now()).subject("bob").build());
        JwtVerifier.Verified oldChecked = verifier.verify(oldKeysToken);
        now.addAndGet(SECOND); // the budget's second is the set's ticker's too: a new one, for the second check
        JwtVerifier.Verified newChecked = verifier.verify(newKeysToken);
        assertNotNull(oldChecked);
        assertNotNull(newChecked);
        assertTrue(newChecked.permitted());

        fetchAfterTheRefreshInterval(TestTokens.ecPublicKeySet()); // the old RSA key withdrawn
        assertSame(newChecked, verifier.verify(newKeysToken), "the key that checked it is still there, as it was");
        assertSame(newChecked, verifier.verify(newKeysToken));
        assertNotSame(oldChecked, verifier.verify(oldKeysToken), "its key withdrawn: checked again");
    }

    @Test
    void onlyAKeyWithdrawnOrChangedMovesTheGeneration() throws Exception {
        set.refreshIfDue();
        fetches.get(0).complete(TestTokens.rsaPublicKeySet());
        assertEquals(1, set.generation());
        fetchAfterTheRefreshInterval(TestTokens.publicKeySet());
        assertEquals(1, set.generation(), "a key added");
        assertEquals(2, set.keys().size(), "and taken");
        fetchAfterTheRefreshInterval(TestTokens.publicKeySet().replace("\"kid\"", " \"kid\""));
        assertEquals(1, set.generation(), "the same keys spelt otherwise");

        JWKSet marked = new JWKSet(JWKSet.parse(TestTokens.publicKeySet()).getKeys().stream()
                .map(key -> key instanceof RSAKey rsa ? new RSAKey.Builder(rsa).keyUse(KeyUse.ENCRYPTION).build() : key)
                .toList());
        fetchAfterTheRefreshInterval(marked.toString());
        assertEquals(2, set.generation(), "the RSA key now marked for encryption: it checks no signature any more");
    }
}
