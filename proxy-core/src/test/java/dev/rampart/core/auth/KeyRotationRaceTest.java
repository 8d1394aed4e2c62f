package dev.rampart.core.auth;

import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A token whose check overlaps a change of a {@code jwks-uri}'s keys: checked with the keys from before, it must not
 * be remembered as checked with the new ones, else a key withdrawn in that change lets its tokens in until they
 * expire, though the set no longer has it. The overlap is made to happen in a set order: the verifier's clock, read
 * once a signature has been checked, is where the keys change and another event loop verifies a token of its own.
 */
class KeyRotationRaceTest {

    private static final URI JWKS = URI.create("https://issuer.test/jwks");
    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    private final AtomicLong ticker = new AtomicLong();
    private final List<CompletableFuture<String>> fetches = new ArrayList<>();
    private final RemoteKeySet set = new RemoteKeySet(JWKS, Duration.ofMinutes(5), ticker::get, uri -> {
        CompletableFuture<String> fetch = new CompletableFuture<>();
        fetches.add(fetch);
        return fetch;
    }, ok -> { });

    @Test
    void aTokenCheckedWithAKeyWithdrawnDuringItsCheckIsNotRememberedAsGood() {
        set.refreshIfDue();
        fetches.get(0).complete(TestTokens.publicKeySet()); // the RSA key and the EC key
        HookedClock clock = new HookedClock();
        JwtVerifier verifier = new JwtVerifier(new JwtConfig(new JwksSource.Remote(JWKS, Duration.ofMinutes(5),
                Optional.empty()), Optional.of(TestTokens.ISSUER), List.of(TestTokens.AUDIENCE),
                JwtConfig.ASYMMETRIC_ALGORITHMS, Duration.ofSeconds(60), Map.of(), true), clock,
                new CheckBudget(() -> 0L), set); // a budget that never runs out
        String signedWithTheWithdrawnKey = TestTokens.es256(TestTokens.claims(NOW).build());
        String anotherClientsToken = TestTokens.rs256(TestTokens.claims(NOW).subject("bob").build());

        clock.onceAfterTheSignatureCheck.set(() -> {
            // The issuer withdraws the EC key; a fetch brings the set without it.
            ticker.addAndGet(Duration.ofMinutes(5).toNanos());
            set.refreshIfDue();
            fetches.get(1).complete(TestTokens.rsaPublicKeySet());
            // Another event loop's request meets the new keys first.
            assertNotNull(CompletableFuture.supplyAsync(() -> verifier.verify(anotherClientsToken)).join());
        });
        verifier.verify(signedWithTheWithdrawnKey); // checked with the keys of its start: may pass this once

        assertNull(verifier.verify(signedWithTheWithdrawnKey), "the set no longer has the key that signed it");
    }

    /** A fixed clock that runs a task the first time it is read. */
    private static final class HookedClock extends Clock {
        final AtomicReference<Runnable> onceAfterTheSignatureCheck = new AtomicReference<>();

        @Override
        public long millis() {
            Runnable hook = onceAfterTheSignatureCheck.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            return NOW.toEpochMilli();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
