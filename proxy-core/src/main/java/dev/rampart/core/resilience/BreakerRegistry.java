package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.EndpointAddress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * Every endpoint's breaker, kept across config reloads. A breaker is found by upstream name, endpoint
 * {@code host:port} and breaker config: a reload that keeps all three gets the very same breaker, so
 * an open breaker stays open (PRODUCT §3.6); a changed config gets a fresh one, since thresholds
 * learnt under the old config mean nothing under the new. Entries nobody asked for during
 * {@code expireAfterAccess} (endpoints removed by a reload, and the old breakers of a changed config)
 * fall out of the cache on their own, so a reload has nothing to clean up.
 *
 * <p>Lives as long as the process, one per proxy; {@link #get} is called on the event loops.
 */
public final class BreakerRegistry {

    /** How long an unused breaker is kept: long enough to survive any reload, short enough not to pile up. */
    public static final Duration DEFAULT_EXPIRE_AFTER_ACCESS = Duration.ofMinutes(10);

    /** Told about every breaker's state changes, for {@code rampart_circuit_breaker_transitions_total}. */
    @FunctionalInterface
    public interface TransitionListener {
        /** A listener for registries nobody observes. */
        TransitionListener NOOP = (upstream, endpoint, from, to) -> { };

        /**
         * Called once per transition on the thread that caused it; must not block.
         *
         * @param endpoint the endpoint's {@code host:port}
         */
        void onTransition(String upstream, String endpoint, CircuitBreaker.State from, CircuitBreaker.State to);
    }

    private record Key(String upstream, String endpoint, CircuitBreakerConfig config) {
    }

    private final Ticker ticker;
    private final TransitionListener listener;
    private final Cache<Key, CircuitBreaker> breakers;

    /** A registry that forgets breakers unused for {@link #DEFAULT_EXPIRE_AFTER_ACCESS}. */
    public BreakerRegistry(Ticker ticker, TransitionListener listener) {
        this(ticker, DEFAULT_EXPIRE_AFTER_ACCESS, listener);
    }

    /**
     * @param ticker            drives both the breakers and the expiry (the same fake ticker in tests)
     * @param expireAfterAccess how long a breaker nobody asks for is kept
     */
    public BreakerRegistry(Ticker ticker, Duration expireAfterAccess, TransitionListener listener) {
        this.ticker = checkNotNull(ticker, "ticker");
        this.listener = checkNotNull(listener, "listener");
        long expiryNanos = Checks.positiveNanos("expireAfterAccess", expireAfterAccess);
        this.breakers = Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfterAccess(expiryNanos, TimeUnit.NANOSECONDS)
                .build();
    }

    /** The breaker of {@code endpoint} in {@code upstream} under {@code config}, created on first use. */
    public CircuitBreaker get(String upstream, EndpointAddress endpoint, CircuitBreakerConfig config) {
        checkNotNull(upstream, "upstream");
        checkNotNull(endpoint, "endpoint");
        checkNotNull(config, "config");
        return breakers.get(new Key(upstream, endpoint.authority(), config), this::create);
    }

    private CircuitBreaker create(Key key) {
        CircuitBreaker.StateListener forEndpoint =
                (from, to) -> listener.onTransition(key.upstream(), key.endpoint(), from, to);
        return CircuitBreaker.of(key.config(), ticker, forEndpoint);
    }

    /**
     * Every live breaker, sorted by upstream and endpoint. When a reload changed an endpoint's breaker
     * config, the old breaker lingers until it expires; only the most recently used one per endpoint
     * is shown. Taking a snapshot does not count as using a breaker, so polling the admin endpoint
     * keeps nothing alive.
     */
    public Collection<BreakerSnapshot> snapshot() {
        Map<List<String>, Map.Entry<Key, CircuitBreaker>> newest = new HashMap<>();
        Map<List<String>, Long> newestAge = new HashMap<>();
        var expiry = breakers.policy().expireAfterAccess().orElseThrow();
        for (Map.Entry<Key, CircuitBreaker> entry : breakers.asMap().entrySet()) {
            List<String> endpoint = List.of(entry.getKey().upstream(), entry.getKey().endpoint());
            long age = expiry.ageOf(entry.getKey(), TimeUnit.NANOSECONDS).orElse(Long.MAX_VALUE);
            Long best = newestAge.get(endpoint);
            if (best == null || age < best) {
                newest.put(endpoint, entry);
                newestAge.put(endpoint, age);
            }
        }
        List<BreakerSnapshot> snapshots = new ArrayList<>(newest.size());
        for (Map.Entry<Key, CircuitBreaker> entry : newest.values()) {
            CircuitBreaker breaker = entry.getValue();
            snapshots.add(new BreakerSnapshot(entry.getKey().upstream(), entry.getKey().endpoint(),
                    breaker.state(), breaker.failureRate(), breaker.callsInWindow(), breaker.secondsUntilHalfOpen()));
        }
        snapshots.sort(Comparator.comparing(BreakerSnapshot::upstream).thenComparing(BreakerSnapshot::endpoint));
        return snapshots;
    }
}
