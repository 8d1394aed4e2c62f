package dev.rampart.core.auth;

import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edges of what a verifier takes: the token's time window to the millisecond at both ends (RFC 7519 §4.1.4,
 * §4.1.5), the characters a claim may bring into an upstream header, a list claim holding an object, and spare bits
 * in the last character of a signature whatever group of the alphabet that character is in.
 */
class JwtVerifierEdgesTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    /** Never runs out: its ticker stands still (see {@link JwtVerifierTest}'s). */
    private static final CheckBudget BUDGET = new CheckBudget(() -> 0L);

    private static JwtVerifier verifier(Instant at, Map<String, String> claimHeaders) {
        return new JwtVerifier(new JwtConfig(new JwksSource.File(Path.of("jwks.json"), TestTokens.publicKeySet()),
                Optional.of(TestTokens.ISSUER), List.of(TestTokens.AUDIENCE), JwtConfig.ASYMMETRIC_ALGORITHMS,
                Duration.ofSeconds(60), claimHeaders, true), Clock.fixed(at, ZoneOffset.UTC), BUDGET, null);
    }

    @Test
    void printableAsciiIncludingSpaceAndTildeBecomesAHeaderButDelDoesNot() {
        JwtVerifier verifier = verifier(NOW, Map.of("name", "X-Name", "path", "X-Path", "del", "X-Del"));
        JwtVerifier.Verified verified = verifier.verify(TestTokens.rs256(TestTokens.claims(NOW)
                .claim("name", "Ann Lee").claim("path", "~ann").claim("del", "a\u007Fb").build()));
        assertNotNull(verified);
        assertEquals(Map.of("X-Name", "Ann Lee", "X-Path", "~ann"),
                Map.ofEntries(verified.claimHeaders().toArray(Map.Entry[]::new)));
    }

    // exp = NOW + 3600 s, nbf = NOW + 120 s, skew 60 s
    private static final String WINDOWED = TestTokens.rs256(TestTokens.claims(NOW)
            .notBeforeTime(Date.from(NOW.plusSeconds(120))).build());

    @Test
    void theWindowEndsExactlyAtExpPlusSkew() {
        assertTrue(verifier(NOW.plusSeconds(3660).minusMillis(1), Map.of()).verify(WINDOWED).permitted());
        assertNull(verifier(NOW.plusSeconds(3660), Map.of()).verify(WINDOWED), "RFC 7519 4.1.4: now must be before exp");
    }

    @Test
    void theWindowStartsExactlyAtNbfMinusSkew() {
        assertTrue(verifier(NOW.plusSeconds(60), Map.of()).verify(WINDOWED).permitted(), "RFC 7519 4.1.5: on or after nbf");
        assertNull(verifier(NOW.plusSeconds(60).minusMillis(1), Map.of()).verify(WINDOWED));
    }

    @Test
    void aListWithAnObjectInItGivesNoHeader() {
        JwtVerifier verifier = verifier(NOW, Map.of("roles", "X-Roles", "nested", "X-Nested"));
        JwtVerifier.Verified verified = verifier.verify(TestTokens.rs256(TestTokens.claims(NOW)
                .claim("roles", List.of("reader", Map.of("id", "x"))).claim("nested", List.of(List.of("a"))).build()));
        assertNotNull(verified);
        assertEquals(List.of(), verified.claimHeaders());
    }

    @Test
    void spareBitsAreRefusedWhateverGroupOfTheAlphabetTheLastCharacterIsIn() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        JwtVerifier verifier = verifier(NOW, Map.of());
        java.util.Set<Character> seen = new java.util.HashSet<>();
        for (int n = 0; n < 400 && seen.size() < 4; n++) {
            String valid = TestTokens.es256(TestTokens.claims(NOW).build()); // ECDSA: a new signature each time
            char last = valid.charAt(valid.length() - 1); // A, Q, g or w: 2 bits of data, 4 spare
            if (!seen.add(last)) {
                continue;
            }
            int value = alphabet.indexOf(last);
            for (int spare = 1; spare < 16; spare++) {
                String respelled = valid.substring(0, valid.length() - 1) + alphabet.charAt(value ^ spare);
                assertNull(verifier.verify(respelled), "last character " + last + " respelled with spare bits " + spare);
            }
        }
        assertEquals(java.util.Set.of('A', 'Q', 'g', 'w'), seen);
    }
}
