package dev.rampart.core.auth;

import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A token's {@code exp} and {@code nbf} at the ends of what a number can say: seconds whose milliseconds do not fit
 * a {@code long} are the end (or the start) of time, never a date that multiplication wrapped around to.
 */
class JwtTimeClaimsTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final long TWO_TO_THE_64_OVER_1000 = BigInteger.ONE.shiftLeft(64).divide(BigInteger.valueOf(1000))
            .longValueExact(); // 18446744073709551

    private static final JwtVerifier VERIFIER = new JwtVerifier(new JwtConfig(
            new JwksSource.File(Path.of("jwks.json"), TestTokens.publicKeySet()), Optional.of(TestTokens.ISSUER),
            List.of(TestTokens.AUDIENCE), JwtConfig.ASYMMETRIC_ALGORITHMS, Duration.ofSeconds(60), Map.of(), true),
            Clock.fixed(NOW, ZoneOffset.UTC), new CheckBudget(() -> 0L), null); // a budget that never runs out

    private static String token(String claim, Object value) {
        return TestTokens.rs256(TestTokens.claims(NOW).claim(claim, value).build());
    }

    @Test
    void anNbfBillionsOfYearsAheadIsNotReachedWhateverItsMillisecondsWrapTo() {
        // 9223372036854776 s × 1000 is past Long.MAX_VALUE: wrapped, it read as 1969 and the token passed.
        assertNull(VERIFIER.verify(token("nbf", 9_223_372_036_854_776L)));
        assertNull(VERIFIER.verify(token("nbf", Long.MAX_VALUE)));
        assertNull(VERIFIER.verify(token("nbf", 1e30)));
    }

    @Test
    void anExpLongPastIsExpiredEvenWhereItsMillisecondsWrapIntoThisYear() {
        long wrapsToNextHour = (NOW.plusSeconds(3600).toEpochMilli() / 1000) - TWO_TO_THE_64_OVER_1000;
        assertNull(VERIFIER.verify(token("exp", wrapsToNextHour)));
        assertNull(VERIFIER.verify(token("exp", -1e30)));
    }

    @Test
    void anExpAtTheEndOfTimeAndAnNbfAtItsStartPass() {
        assertNotNull(VERIFIER.verify(token("exp", 1e30)), "exp far ahead: valid, not wrapped into 1969");
        assertNotNull(VERIFIER.verify(token("exp", 9_223_372_036_854_776L)));
        assertNotNull(VERIFIER.verify(token("nbf", -9_223_372_036_854_776L)), "nbf long ago: reached");
    }

    @Test
    void aFractionOfASecondCounts() {
        // exp + skew = NOW + 0.5 s: valid for half a second more.
        long exp = NOW.getEpochSecond() - 60;
        assertNotNull(VERIFIER.verify(token("exp", exp + 0.5)));
        assertEquals(NOW.toEpochMilli() - 60_000 + 500, VERIFIER.verify(token("exp", exp + 0.5)).expiresMillis());
    }
}
