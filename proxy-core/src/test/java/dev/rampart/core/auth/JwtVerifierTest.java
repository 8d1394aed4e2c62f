package dev.rampart.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
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
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A route's bearer-token check: what passes, what is refused and why, and what the upstream gets of it. */
class JwtVerifierTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    /**
     * A budget no test here runs out of: its ticker stands still, so no check costs time. On the real clock a
     * cold JVM on a busy machine can spend the second's share on its first signature checks, and refuse the next.
     */
    private static final CheckBudget BUDGET = new CheckBudget(() -> 0L);

    private static JwtConfig config(List<String> algorithms, Map<String, String> claimHeaders) {
        return new JwtConfig(new JwksSource.File(Path.of("jwks.json"), TestTokens.publicKeySet()),
                Optional.of(TestTokens.ISSUER),
                List.of(TestTokens.AUDIENCE, "api://other"), algorithms, Duration.ofSeconds(60), claimHeaders, true);
    }

    private static JwtVerifier verifier(Instant at) {
        return new JwtVerifier(config(JwtConfig.ASYMMETRIC_ALGORITHMS, Map.of("sub", "X-User-Id")),
                Clock.fixed(at, ZoneOffset.UTC), BUDGET, null);
    }

    private static JWTClaimsSet.Builder claims() {
        return TestTokens.claims(NOW);
    }

    @Test
    void aTokenSignedByAKeyOfTheSetForTheIssuerAndAnAudiencePassesWithRsaAndEc() {
        JwtVerifier verifier = verifier(NOW);
        JwtVerifier.Verified rsa = verifier.verify(TestTokens.rs256(claims().build()));
        assertNotNull(rsa);
        assertEquals(List.of(Map.entry("X-User-Id", "alice")), rsa.claimHeaders());
        assertNotNull(verifier.verify(TestTokens.es256(claims().audience(List.of("x", "api://other")).build())),
                "one audience of the route's among others");
        assertNotNull(verifier.verify(TestTokens.sign(JWSAlgorithm.PS256, "rsa-1", claims().build(), h -> h)));
        assertNotNull(verifier.verify(TestTokens.sign(JWSAlgorithm.ES256, null, claims().build(), h -> h)),
                "no kid: the keys that fit the algorithm are tried");
        assertNotNull(verifier.verify(TestTokens.sign(JWSAlgorithm.RS256, "rsa-1", claims().build(),
                h -> h.type(new com.nimbusds.jose.JOSEObjectType("at+jwt")))), "RFC 9068's access-token type");
    }

    @Test
    void theTimeWindowIsExpAndNbfWithTheSkewAndAKnownTokenIsCheckedAgainEachTime() {
        String token = TestTokens.rs256(claims().notBeforeTime(Date.from(NOW.plusSeconds(120))).build());
        assertNull(verifier(NOW).verify(token), "two minutes before nbf, with a minute of skew");
        assertNotNull(verifier(NOW.plusSeconds(61)).verify(token), "within the skew of nbf");
        assertNotNull(verifier(NOW.plusSeconds(3659)).verify(token), "exp passed less than the skew ago");
        assertNull(verifier(NOW.plusSeconds(3661)).verify(token));

        MovingClock clock = new MovingClock(NOW);
        JwtVerifier remembering = new JwtVerifier(config(JwtConfig.ASYMMETRIC_ALGORITHMS, Map.of()), clock, BUDGET, null);
        String hourLong = TestTokens.rs256(claims().build());
        assertNotNull(remembering.verify(hourLong));
        clock.now = NOW.plusSeconds(3661);
        assertNull(remembering.verify(hourLong), "a remembered token expires all the same");
        assertNull(verifier(NOW).verify(TestTokens.rs256(claims().expirationTime(null).build())),
                "a token that never expires is refused");
        assertNotNull(verifier(NOW).verify(TestTokens.rs256(claims().expirationTime(new Date(Long.MAX_VALUE - 500))
                .notBeforeTime(new Date(Long.MIN_VALUE + 500)).build())), "the ends of time, skew added, do not overflow");
    }

    @Test
    void anotherIssuerOrAudienceAnotherKeyOrAlgorithmAndForgeriesAreRefused() throws JOSEException {
        JwtVerifier verifier = verifier(NOW);
        assertNull(verifier.verify(TestTokens.rs256(claims().issuer("https://evil.test/").build())));
        assertNull(verifier.verify(TestTokens.rs256(claims().issuer(null).build())));
        assertNull(verifier.verify(TestTokens.rs256(claims().audience("api://billing").build())));
        assertNull(verifier.verify(TestTokens.rs256(claims().audience((String) null).build())));
        assertNull(verifier.verify(TestTokens.sign(JWSAlgorithm.RS256, "no-such-key", claims().build(), h -> h)));

        String valid = TestTokens.rs256(claims().build());
        String[] parts = valid.split("\\.");
        String tampered = parts[0] + "." + TestTokens.rs256(claims().subject("mallory").build()).split("\\.")[1]
                + "." + parts[2];
        assertNull(verifier.verify(tampered), "claims of another token under this signature");

        assertNull(verifier.verify(new PlainJWT(new PlainHeader(), claims().build()).serialize()), "alg none");
        SignedJWT confused = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(),
                claims().build());
        confused.sign(new MACSigner(TestTokens.rsaPublicKeyBytes()));
        assertNull(verifier.verify(confused.serialize()), "HS256 keyed with the RSA public key");

        JwtVerifier rsaOnly = new JwtVerifier(config(List.of("RS256"), Map.of()), Clock.fixed(NOW, ZoneOffset.UTC),
                BUDGET, null);
        assertNull(rsaOnly.verify(TestTokens.es256(claims().build())), "an algorithm the route does not take");
        for (String garbage : new String[] {"", "abc", "a.b.c", valid + "x", valid.replace('.', ','), valid + "=",
                valid.replace('-', '+').replace('_', '/'), valid + ".", "." + valid}) {
            assertNull(verifier.verify(garbage), garbage);
        }
    }

    @Test
    void aSignatureSpelledWithSpareBitsSetIsRefusedSoThatATokenHasOneSpelling() {
        JwtVerifier verifier = verifier(NOW);
        for (String valid : new String[] {TestTokens.rs256(claims().build()), TestTokens.es256(claims().build())}) {
            assertNotNull(verifier.verify(valid));
            int signatureLength = valid.length() - valid.lastIndexOf('.') - 1;
            assertEquals(2, signatureLength % 4, "RS256's 256 bytes and ES256's 64 end in a byte spelled in two "
                    + "characters: the last one's low four bits are spare");
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            int last = alphabet.indexOf(valid.charAt(valid.length() - 1));
            for (int spare = 1; spare < 16; spare++) {
                String respelled = valid.substring(0, valid.length() - 1) + alphabet.charAt(last ^ spare);
                assertNull(verifier.verify(respelled), "the same signature bytes, spare bits " + spare);
            }
        }
    }

    @Test
    void claimsBecomeHeaderValuesWhenTheyAreTextNumbersOrListsOfThose() {
        JwtVerifier verifier = new JwtVerifier(config(JwtConfig.ASYMMETRIC_ALGORITHMS, Map.of(
                "sub", "X-User-Id", "roles", "X-Roles", "tenant", "X-Tenant", "admin", "X-Admin",
                "address", "X-Address", "bio", "X-Bio", "name", "X-Name", "tabbed", "X-Tabbed")),
                Clock.fixed(NOW, ZoneOffset.UTC), BUDGET, null);
        JwtVerifier.Verified verified = verifier.verify(TestTokens.rs256(claims()
                .claim("roles", List.of("reader", "writer")).claim("tenant", 42).claim("admin", false)
                .claim("address", Map.of("city", "Oslo")).claim("bio", "line one\r\nX-Admin: true")
                .claim("name", "Zoë").claim("tabbed", "a\tb").build()));
        assertNotNull(verified);
        assertEquals(Map.of("X-User-Id", "alice", "X-Roles", "reader,writer", "X-Tenant", "42", "X-Admin", "false"),
                Map.ofEntries(verified.claimHeaders().toArray(Map.Entry[]::new)),
                "an object, a value with a line break or a tab and one above ASCII give no header");
    }

    @Test
    void numbersWithFractionsOrExponentsArriveAsPlainDecimals() {
        JwtVerifier verifier = new JwtVerifier(config(JwtConfig.ASYMMETRIC_ALGORITHMS, Map.of(
                "ratio", "X-Ratio", "count", "X-Count", "huge", "X-Huge", "scores", "X-Scores", "small", "X-Small")),
                Clock.fixed(NOW, ZoneOffset.UTC), BUDGET, null);
        JwtVerifier.Verified verified = verifier.verify(TestTokens.rs256(claims().claim("ratio", 1.10)
                .claim("count", 2000.0).claim("huge", 1e20).claim("scores", List.of(1.5, 2.0, 3L))
                .claim("small", 0.00025).build()));
        assertNotNull(verified);
        assertEquals(Map.of("X-Ratio", "1.1", "X-Count", "2000", "X-Huge", "100000000000000000000",
                        "X-Scores", "1.5,2,3", "X-Small", "0.00025"),
                Map.ofEntries(verified.claimHeaders().toArray(Map.Entry[]::new)));
    }

    @Test
    void pastItsShareOfTheSecondAThreadChecksNoNewTokenButRemembersTheOnesItChecked() {
        long[] now = {-5_000_000_000L}; // a ticker may read below zero
        // Every read of the ticker is 100 ms after the last: each check costs 100 ms of the 250 ms per second.
        CheckBudget budget = new CheckBudget(() -> now[0] += 100_000_000L);
        JwtVerifier verifier = new JwtVerifier(config(JwtConfig.ASYMMETRIC_ALGORITHMS, Map.of()),
                Clock.fixed(NOW, ZoneOffset.UTC), budget, null);
        String first = TestTokens.rs256(claims().subject("a").build());
        assertTrue(verifier.verify(first).permitted());
        assertTrue(verifier.verify(TestTokens.rs256(claims().subject("b").build())).permitted());
        assertNull(verifier.verify(TestTokens.rs256(claims().subject("forged").build()).replace("eyJ", "eyK")),
                "a refused token costs its share too");
        String late = TestTokens.rs256(claims().subject("c").build());
        // The sentinels are told apart by identity, as the proxy tells them (NOT_CHECKED equals KEYS_UNAVAILABLE).
        assertSame(JwtVerifier.NOT_CHECKED, verifier.verify(late), "300 ms of checks in this second");
        JwtVerifier.Verified remembered = verifier.verify(first);
        assertNotSame(JwtVerifier.NOT_CHECKED, remembered, "a remembered token needs no check");
        assertTrue(remembered.permitted());
        now[0] += 1_000_000_000L;
        assertTrue(verifier.verify(late).permitted(), "the next second has a new share");
        now[0] += 10_000_000_000L;
        assertTrue(verifier.verify(TestTokens.rs256(claims().subject("d").build())).permitted(), "and a later one");
    }

    /** A clock a test moves. */
    private static final class MovingClock extends Clock {
        Instant now;

        MovingClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
