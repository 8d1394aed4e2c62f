package dev.rampart.core.auth;

import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.TestTokens;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When a {@code jwks-uri}'s key set is fetched, with a ticker the test moves and fetches it completes by hand: at
 * once, one at a time, again after {@code jwks-refresh}, sooner after a failure, soon after a token named a missing
 * key but not more often than that; a failure or a set the proxy would refuse keeps the keys there were; a change
 * of keys (and only a change) bumps the generation.
 */
class RemoteKeySetTest {

    private static final URI URI_ = URI.create("https://issuer.test/jwks");
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(-7 * SECOND); // System.nanoTime may be negative
    private final List<CompletableFuture<String>> fetches = new ArrayList<>();
    private final List<Boolean> results = new ArrayList<>();
    private final RemoteKeySet set = new RemoteKeySet(URI_, Duration.ofMinutes(5), now::get, uri -> {
        CompletableFuture<String> fetch = new CompletableFuture<>();
        fetches.add(fetch);
        return fetch;
    }, results::add);

    private void advance(long seconds) {
        now.addAndGet(seconds * SECOND);
    }

    private CompletableFuture<String> last() {
        return fetches.get(fetches.size() - 1);
    }

    @Test
    void theFirstFetchStartsAtOnceAndOnlyOneRunsAtATime() {
        assertNull(set.keys());
        assertTrue(set.refreshIfDue());
        assertFalse(set.refreshIfDue(), "one in flight");
        last().complete(TestTokens.publicKeySet());
        assertNotNull(set.keys());
        assertEquals(2, set.keys().size());
        assertEquals(1, set.generation());
    }

    @Test
    void keysAreFetchedAgainAfterTheRefreshIntervalAndAnUnchangedSetChangesNothing() {
        set.refreshIfDue();
        last().complete(TestTokens.publicKeySet());
        advance(299);
        assertFalse(set.refreshIfDue(), "not before jwks-refresh");
        advance(1);
        assertTrue(set.refreshIfDue());
        last().complete(TestTokens.publicKeySet());
        assertEquals(1, set.generation(), "the same keys");
        advance(300);
        set.refreshIfDue();
        last().complete(TestTokens.ecPublicKeySet());
        assertEquals(2, set.generation(), "a key withdrawn");
        assertEquals(1, set.keys().size());
    }

    /** An operator who shortens jwks-refresh in a key rotation wants it now, not after the old interval. */
    @Test
    void aReloadThatShortensTheRefreshIntervalCountsItFromTheLastFetch() {
        set.refreshIfDue();
        last().complete(TestTokens.publicKeySet());
        advance(30);
        set.refreshEvery(Duration.ofMinutes(1));
        advance(29);
        assertFalse(set.refreshIfDue(), "not before a minute after the last fetch");
        advance(1);
        assertTrue(set.refreshIfDue(), "a minute after the last fetch, not five");
        last().complete(TestTokens.publicKeySet());

        set.refreshEvery(Duration.ofMinutes(10)); // lengthened: the fetch already planned stays
        advance(60);
        assertTrue(set.refreshIfDue());
        last().complete(TestTokens.publicKeySet());
        advance(599);
        assertFalse(set.refreshIfDue(), "then every ten minutes");
        advance(1);
        assertTrue(set.refreshIfDue());
    }

    @Test
    void theLogShowsNoQueryOfTheUriWhichMayCarryACredential() throws Exception {
        RemoteKeySet withToken = new RemoteKeySet(URI.create("https://issuer.test/jwks?access_token=QSECRET"),
                Duration.ofMinutes(5), now::get, uri -> CompletableFuture.failedFuture(new IOException("HTTP 503")),
                results::add);
        try (LogCapture logs = LogCapture.start()) {
            withToken.refreshIfDue();
            assertEquals(1, logs.warnings().size(), logs.dump());
            assertTrue(logs.dump().contains("https://issuer.test/jwks?<redacted>") && !logs.dump().contains("QSECRET"),
                    logs.dump());
        }
    }

    @Test
    void aFetchStoppedByTheShutdownIsNeitherAFailureNorAWarning() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            set.refreshIfDue();
            last().completeExceptionally(new CompletionException(new InterruptedException()));
            assertTrue(logs.warnings().isEmpty(), logs.dump());
        }
        assertEquals(List.of(), results, "not counted as a failed fetch");
        assertTrue(set.firstFetch().isDone(), "a reload waiting for it waits no more");
    }

    @Test
    void aFailedOrRefusedFetchKeepsTheKeysAndIsTriedAgainAfterFiveSeconds() {
        set.refreshIfDue();
        last().completeExceptionally(new IOException("connection refused"));
        assertNull(set.keys());
        advance(4);
        assertFalse(set.refreshIfDue());
        advance(1);
        assertTrue(set.refreshIfDue(), "tried again 5 s after a failure");
        last().complete(TestTokens.rsaPublicKeySet());
        assertEquals(1, set.keys().size());

        advance(300);
        for (String refused : List.of("<html>maintenance</html>", TestTokens.privateKeySet(), "{\"keys\":[]}")) {
            assertTrue(set.refreshIfDue(), refused);
            last().complete(refused);
            assertEquals(1, set.keys().size(), "kept after " + refused);
            assertEquals(1, set.generation());
            advance(5);
        }
        set.refreshIfDue();
        last().completeExceptionally(new IOException("HTTP 503"));
        assertEquals(1, set.keys().size(), "kept after a failure");
        assertEquals(List.of(false, true, false, false, false, false), results, "each fetch's end reported");
        assertTrue(set.firstFetch().isDone());
    }

    @Test
    void aMissingKeyFetchesAgainAtMostEveryThirtySeconds() {
        set.refreshIfDue();
        last().complete(TestTokens.rsaPublicKeySet());
        advance(29);
        set.keyMissing();
        assertTrue(set.refreshIfDue(), "the fetch on schedule 29 s ago does not count: the key may be new since");
        last().complete(TestTokens.rsaPublicKeySet());
        advance(29);
        set.keyMissing();
        assertFalse(set.refreshIfDue(), "the last fetch for a missing key started 29 s ago");
        advance(1);
        assertTrue(set.refreshIfDue(), "30 s after it started");
        last().complete(TestTokens.publicKeySet());
        assertEquals(2, set.keys().size());
        advance(1);
        assertFalse(set.refreshIfDue(), "asked once, fetched once");
    }

    /**
     * An issuer that signs with a new key as soon as it publishes it (Keycloak's new active key, an oidc-provider
     * restarted with the new key first): its tokens were refused 401 until the next fetch on schedule when a fetch
     * on schedule had started in the 30 s before (15.7 s of 401s measured with jwks-refresh = 20s); now about a
     * second. A key missing while a fetch on schedule is due is looked for by that fetch.
     */
    @Test
    void aFetchOnScheduleDoesNotHoldBackTheFetchAMissingKeyAsksFor() {
        set.refreshIfDue();
        last().complete(TestTokens.rsaPublicKeySet());
        advance(300);
        set.keyMissing();
        assertTrue(set.refreshIfDue(), "due on schedule, and a key missing");
        last().complete(TestTokens.rsaPublicKeySet());
        advance(1);
        assertFalse(set.refreshIfDue(), "the missing key was asked for before that fetch started");
        set.keyMissing();
        assertTrue(set.refreshIfDue(), "asked for after it: the fetch on schedule does not count");
        last().complete(TestTokens.publicKeySet());
        set.keyMissing();
        advance(29);
        assertFalse(set.refreshIfDue(), "but the one a missing key asked for does");
    }

    @Test
    void aShortRefreshIntervalAlsoShortensTheWaitAfterAFailure() {
        set.refreshEvery(Duration.ofSeconds(2));
        set.refreshIfDue();
        last().completeExceptionally(new IOException("timeout"));
        advance(1);
        assertFalse(set.refreshIfDue());
        advance(1);
        assertTrue(set.refreshIfDue(), "min(refresh, 5 s) after a failure");
    }

    @Test
    void aVerifierWaitsForTheFirstKeysAndATokenForAKeyTheSetLacksAsksForAFetch() {
        JwtVerifier verifier = new JwtVerifier(new JwtConfig(new JwksSource.Remote(URI_, Duration.ofMinutes(5), Optional.empty()),
                Optional.of(TestTokens.ISSUER), List.of(TestTokens.AUDIENCE), JwtConfig.ASYMMETRIC_ALGORITHMS,
                Duration.ofSeconds(60), Map.of(), true), Clock.systemUTC(), new CheckBudget(() -> 0L), set); // a budget that never runs out
        String ecToken = TestTokens.es256(TestTokens.claims(Instant.now()).build());
        assertSame(JwtVerifier.KEYS_UNAVAILABLE, verifier.verify(ecToken));
        set.refreshIfDue();
        last().complete(TestTokens.rsaPublicKeySet());
        assertNotNull(verifier.verify(TestTokens.rs256(TestTokens.claims(Instant.now()).build())));
        advance(30);
        assertFalse(set.refreshIfDue(), "nothing asked for a fetch before jwks-refresh");
        assertNull(verifier.verify(ecToken), "no EC key in the set");
        assertTrue(set.refreshIfDue(), "the token's missing key asked for one");
    }
}
