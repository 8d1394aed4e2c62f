package dev.rampart.core.auth;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.JwksSource;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The key sets of every {@code jwks-uri} in the config, one per URI (routes that name the same URI share it), kept
 * across reloads so that a reload neither waits for a fetch nor refuses tokens meanwhile. Once a URI is named, a
 * thread of its own asks each set every second whether a fetch is due ({@link RemoteKeySet#refreshIfDue}); the
 * fetches run on threads of their own too. Nothing is started when no route names a URI.
 */
public final class RemoteKeySets implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RemoteKeySets.class);

    private final Ticker ticker;
    private final Consumer<Boolean> results;
    private final Map<URI, RemoteKeySet> sets = new ConcurrentHashMap<>();
    /** The {@code jwks-trust-cert-chain} of each URI, as the running config names it. */
    private final Map<URI, Optional<Path>> trusts = new ConcurrentHashMap<>();
    /** Made with the first set: a fetcher, or the HTTP one on {@link #threads}. */
    private final Function<URI, CompletableFuture<String>> givenFetcher;
    private Function<URI, CompletableFuture<String>> fetcher;
    private ScheduledExecutorService pump;
    private ExecutorService threads;

    /** @param results told of each fetch's end, whether it brought keys the proxy took */
    public RemoteKeySets(Ticker ticker, Consumer<Boolean> results) {
        this(ticker, results, null);
    }

    /** With {@code fetcher} in place of HTTP (tests); null: HTTP. */
    RemoteKeySets(Ticker ticker, Consumer<Boolean> results, Function<URI, CompletableFuture<String>> fetcher) {
        this.ticker = ticker;
        this.results = results;
        this.givenFetcher = fetcher;
    }

    /** The URIs of the sets there are. */
    public Set<URI> uris() {
        return Set.copyOf(sets.keySet());
    }

    /**
     * Starts the first fetch of every set not among {@code known} and waits, at most {@code wait} in all, until
     * each has ended (with keys or without); for a reload that names a URI for the first time. Not on an event
     * loop: it blocks.
     */
    public void awaitFirstFetches(Set<URI> known, Duration wait) {
        List<CompletableFuture<Void>> firsts = new ArrayList<>();
        sets.forEach((uri, set) -> {
            if (!known.contains(uri)) {
                set.refreshIfDue();
                firsts.add(set.firstFetch());
            }
        });
        try {
            CompletableFuture.allOf(firsts.toArray(CompletableFuture[]::new)).get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // It goes on in the background; meanwhile tokens that need a check are answered 503.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The set of {@code uri}, made (and its first fetch started within a second) when it is new; fetched trusting
     * {@code trust} (the JVM's trust store when empty) from now on.
     */
    public synchronized RemoteKeySet forUri(URI uri, Duration refresh, Optional<Path> trust) {
        RemoteKeySet set = prepare(uri, refresh, trust);
        retune(uri, refresh, trust);
        return set;
    }

    /**
     * The set of {@code uri} for a config being built: made (and its first fetch started within a second), trusting
     * {@code trust} and fetched every {@code refresh}, when it is new; else the one there is, which keeps the trust
     * and refresh of the running config until that config swaps in and calls {@link #retune}: a reload refused
     * after it was built must leave the running config's key sets fetched as they were.
     */
    public synchronized RemoteKeySet prepare(URI uri, Duration refresh, Optional<Path> trust) {
        if (pump == null) {
            pump = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("rampart-jwks", true));
            threads = Executors.newCachedThreadPool(new DefaultThreadFactory("rampart-jwks-fetch", true));
            if (givenFetcher != null) {
                fetcher = givenFetcher;
            } else {
                HttpKeySetFetcher http = new HttpKeySetFetcher(threads, pump);
                fetcher = u -> http.fetch(u, trusts.getOrDefault(u, Optional.empty()));
            }
            pump.scheduleWithFixedDelay(this::refreshDue, 0, 1, TimeUnit.SECONDS);
        }
        RemoteKeySet existing = sets.get(uri);
        if (existing != null) {
            return existing;
        }
        trusts.put(uri, trust);
        return sets.computeIfAbsent(uri, u -> new RemoteKeySet(u, refresh, ticker, fetcher, results));
    }

    /** The set of {@code uri}, if any, is fetched every {@code refresh} trusting {@code trust} from now on. */
    public synchronized void retune(URI uri, Duration refresh, Optional<Path> trust) {
        RemoteKeySet set = sets.get(uri);
        if (set != null) {
            trusts.put(uri, trust);
            set.refreshEvery(refresh);
        }
    }

    /** Drops the sets of URIs no route names any more; called once the config that names {@code inUse} serves. */
    public void retainOnly(Set<URI> inUse) {
        sets.keySet().retainAll(inUse);
        trusts.keySet().retainAll(inUse);
    }

    private void refreshDue() {
        for (RemoteKeySet set : sets.values()) {
            try {
                set.refreshIfDue();
            } catch (RuntimeException e) {
                // A throw would end the periodic task, and with it every later refresh.
                log.error("jwt keys from {}: the refresh failed", JwksSource.shown(set.uri()), e);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (pump != null) {
            pump.shutdownNow();
            threads.shutdownNow();
        }
    }
}
