package dev.rampart.core.auth;

import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.config.KeySetRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The key set a {@code jwks-uri} serves, as last fetched: null until a fetch first succeeds. Fetches are started by
 * {@link #refreshIfDue} (called every second off the event loops, by {@link RemoteKeySets}): at once at the start,
 * again {@code jwks-refresh} after each success, {@value #RETRY_SECONDS} s after a failure, and soon after a token
 * named a key the set does not have (a key rotated in), at most once per {@value #MISSING_KEY_SECONDS} s (or per
 * {@code jwks-refresh} when that is shorter), fetches on schedule not counted. A failed fetch, or one that brings a set
 * the proxy would refuse in a {@code jwks-file}, keeps the keys there were. Thread-safe.
 */
public final class RemoteKeySet {

    private static final Logger log = LoggerFactory.getLogger(RemoteKeySet.class);

    static final long RETRY_SECONDS = 5;
    /** What a request refused for want of keys is told to wait: about when the next fetch will have been tried. */
    public static final long RETRY_AFTER_SECONDS = RETRY_SECONDS;
    static final long MISSING_KEY_SECONDS = 30;

    private final URI uri;
    /** The URI as the log shows it: a query, which may carry a credential, left out. */
    private final String shownUri;
    private final Ticker ticker;
    /** Starts a fetch of a URI's body (as text); completes exceptionally when it failed. */
    private final Function<URI, CompletableFuture<String>> fetcher;
    private volatile long refreshNanos;
    private volatile JWKSet keys;
    /**
     * Bumped when a key is withdrawn or changed, so that tokens are checked again unless the keys that checked them
     * are still there ({@link #holdsAll}). Not
     * when keys are only added, as an issuer does in the first step of a rotation: no token checked before needs a
     * key added, and checking them all again at once would spend the {@link CheckBudget} on valid tokens.
     */
    private volatile long generation;
    private final AtomicBoolean fetching = new AtomicBoolean();
    /** When the keys were last fetched, and when a fetch may next start, by the ticker. */
    private volatile long fetchedAt;
    private volatile long nextFetchAt;
    /**
     * When a fetch last started because a token named a key the set lacks (not on schedule: a key the issuer
     * published since a fetch on schedule is wanted at once, however recent that fetch).
     */
    private volatile long lastMissingKeyFetchAt;
    private volatile boolean keyMissing;
    /** Fetches that failed since the last one that succeeded, for the line that says it recovered. */
    private volatile int failedInARow;
    private final Consumer<Boolean> results;
    /** Done when the first fetch has ended, with keys or without. */
    private final CompletableFuture<Void> firstFetch = new CompletableFuture<>();

    RemoteKeySet(URI uri, Duration refresh, Ticker ticker, Function<URI, CompletableFuture<String>> fetcher,
                 Consumer<Boolean> results) {
        this.uri = uri;
        this.shownUri = JwksSource.shown(uri);
        this.ticker = ticker;
        this.fetcher = fetcher;
        this.results = results;
        this.refreshNanos = refresh.toNanos();
        this.nextFetchAt = ticker.read();
        this.lastMissingKeyFetchAt = nextFetchAt - Duration.ofDays(1).toNanos();
    }

    URI uri() {
        return uri;
    }

    /** The keys as last fetched; null when no fetch has succeeded yet. */
    JWKSet keys() {
        return keys;
    }

    long generation() {
        return generation;
    }

    /** Whether the keys as last fetched still hold every one of {@code checked}, as they were then. */
    boolean holdsAll(List<JWK> checked) {
        JWKSet current = keys;
        return current != null && !checked.isEmpty() && current.getKeys().containsAll(checked);
    }

    /** Done when the first fetch has ended, whatever it brought. */
    CompletableFuture<Void> firstFetch() {
        return firstFetch;
    }

    /**
     * A reload may change {@code jwks-refresh}; the keys and their age stay. A shorter interval counts from the last
     * fetch (one shortened during a key rotation is wanted now, not once the old interval has run out); a longer one
     * leaves the fetch already planned where it is.
     */
    void refreshEvery(Duration refresh) {
        long nanos = refresh.toNanos();
        refreshNanos = nanos;
        if (keys != null && failedInARow == 0) {
            long due = fetchedAt + nanos;
            if (due - nextFetchAt < 0) {
                nextFetchAt = due; // racing a fetch that ends now, which plans by the old interval: once, at worst
            }
        }
    }

    /** A token named a key this set does not have: fetch again, unless that was done a moment ago. */
    void keyMissing() {
        keyMissing = true;
    }

    /** Starts a fetch when one is due and none is running; returns whether it started one. */
    boolean refreshIfDue() {
        long now = ticker.read();
        boolean onSchedule = now - nextFetchAt >= 0;
        boolean forMissingKey = keyMissing
                && now - lastMissingKeyFetchAt >= Math.min(refreshNanos, Duration.ofSeconds(MISSING_KEY_SECONDS).toNanos());
        if (!onSchedule && !forMissingKey || !fetching.compareAndSet(false, true)) {
            return false;
        }
        keyMissing = false;
        if (!onSchedule) {
            lastMissingKeyFetchAt = now;
        }
        CompletableFuture<String> fetch;
        try {
            fetch = fetcher.apply(uri);
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        fetch.whenComplete(this::fetched);
        return true;
    }

    private void fetched(String body, Throwable failure) {
        long now = ticker.read();
        try {
            if (failure != null && stoppedByTheShutdown(failure)) {
                log.debug("jwt keys from {}: the fetch was stopped, the proxy is shutting down", shownUri);
                return;
            }
            String problem = failure != null ? FetchFailure.describe(failure, uri) : take(body);
            results.accept(problem == null);
            if (problem == null) {
                if (failedInARow > 0) {
                    log.info("jwt keys from {} fetched again, after {} failed fetch{}", shownUri, failedInARow,
                            failedInARow == 1 ? "" : "es");
                }
                failedInARow = 0;
                fetchedAt = now;
                nextFetchAt = now + refreshNanos;
                return;
            }
            failedInARow++;
            nextFetchAt = now + Math.min(refreshNanos, Duration.ofSeconds(RETRY_SECONDS).toNanos());
            long retryInSeconds = Duration.ofNanos(nextFetchAt - now).toSeconds();
            if (keys == null) {
                log.warn("jwt keys from {} could not be fetched ({}): requests whose tokens need a check are answered"
                        + " 503 AUTH_UNAVAILABLE until a fetch succeeds; trying again in about {} s", shownUri,
                        problem, retryInSeconds);
            } else {
                log.warn("jwt keys from {} could not be fetched again ({}): the {} fetched {} s ago are kept; trying"
                        + " again in about {} s", shownUri, problem,
                        keys.size() == 1 ? "key" : keys.size() + " keys", Duration.ofNanos(now - fetchedAt).toSeconds(),
                        retryInSeconds);
            }
        } finally {
            fetching.set(false);
            firstFetch.complete(null);
        }
    }

    /** Takes the fetched key set if the proxy would take it from a file; else says what is wrong with it. */
    private String take(String body) {
        JWKSet fetched;
        try {
            fetched = JWKSet.parse(body);
        } catch (ParseException e) {
            return "not a JSON Web Key Set: " + e.getMessage();
        }
        String problem = KeySetRules.problemWith(fetched, JwtConfig.ASYMMETRIC_ALGORITHMS);
        if (problem != null) {
            return "the key set " + problem;
        }
        Set<Map<String, Object>> fetchedKeys = publicKeys(fetched);
        JWKSet before = keys;
        Set<Map<String, Object>> keysBefore = before == null ? Set.of() : publicKeys(before);
        if (before == null || !fetchedKeys.equals(keysBefore)) {
            boolean onlyAdded = before != null && fetchedKeys.containsAll(keysBefore);
            keys = fetched;
            if (!onlyAdded) {
                generation++;
            }
            log.info("jwt keys from {} {}: {} key{} ({})", shownUri,
                    before == null ? "fetched" : onlyAdded ? "changed, keys added only" : "changed", fetched.size(),
                    fetched.size() == 1 ? "" : "s", fetched.getKeys().stream()
                            .map(k -> k.getKeyID() == null ? "no kid" : "kid " + k.getKeyID()).toList());
        }
        return null;
    }

    /** The keys as the issuer wrote them (parameters, kid, use, alg), whatever their order or spelling in the set. */
    private static Set<Map<String, Object>> publicKeys(JWKSet set) {
        return set.getKeys().stream().map(JWK::toJSONObject).collect(Collectors.toSet());
    }

    /** An interrupt: the fetch threads are stopped only when the proxy shuts down ({@link RemoteKeySets#close}). */
    private static boolean stoppedByTheShutdown(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
                    && !(t instanceof java.net.SocketTimeoutException)) {
                return true;
            }
        }
        return false;
    }
}
