package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.EndpointAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.rampart.core.resilience.Checks.checkNotNull;

/**
 * Every endpoint's breaker, kept across config reloads. A breaker is found by upstream name, endpoint
 * {@code host:port} and breaker config: a reload that keeps all three gets the very same breaker, so
 * an open breaker stays open (PRODUCT §3.6); a changed config gets a new one, built for the new settings, which
 * takes on the old one's state as the reload swaps it in ({@link #handOver}): an open breaker stays open across a
 * retuned breaker too. A breaker stays as long as the config uses it,
 * however long nobody looks it up (requests reach it through their endpoint, not through here); a reload
 * hands over the breakers its config uses and the others are forgotten ({@link #retainOnly}).
 *
 * <p>Lives as long as the process, one per proxy; {@link #get} is called on the event loops.
 */
public final class BreakerRegistry {

    private static final Logger log = LoggerFactory.getLogger(BreakerRegistry.class);

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

    /** @param ticker drives the breakers (a fake ticker in tests) */
    public BreakerRegistry(Ticker ticker, TransitionListener listener) {
        this.ticker = checkNotNull(ticker, "ticker");
        this.listener = checkNotNull(listener, "listener");
        this.breakers = Caffeine.newBuilder().build();
    }

    /** The breaker of {@code endpoint} in {@code upstream} under {@code config}, created on first use. */
    public CircuitBreaker get(String upstream, EndpointAddress endpoint, CircuitBreakerConfig config) {
        checkNotNull(upstream, "upstream");
        checkNotNull(endpoint, "endpoint");
        checkNotNull(config, "config");
        return breakers.get(new Key(upstream, endpoint.authority(), config), this::create);
    }

    private CircuitBreaker create(Key key) {
        Reporter reporter = new Reporter(key);
        reporter.breaker = CircuitBreaker.of(key.config(), ticker, reporter);
        return reporter.breaker;
    }

    /**
     * Reports a breaker's transitions while this registry holds it. One a reload replaced (its config
     * changed) still serves the old config's in-flight requests, and may open for them; reported, that
     * "open" would stand in the transitions counter next to a state gauge showing the new, closed breaker,
     * and no "closed" would ever follow it.
     */
    private final class Reporter implements CircuitBreaker.StateListener {
        private final Key key;
        private volatile CircuitBreaker breaker;

        Reporter(Key key) {
            this.key = key;
        }

        @Override
        public void onStateChange(CircuitBreaker.State from, CircuitBreaker.State to) {
            if (breakers.asMap().get(key) == breaker) {
                logTransition(key, to);
                listener.onTransition(key.upstream(), key.endpoint(), from, to);
            }
        }

        @Override
        public void onHalfOpenOnHealthCheck() {
            if (breakers.asMap().get(key) == breaker) {
                // Counted as any open-to-half-open; the line says why the period ended before its time.
                log.info("circuit breaker of endpoint {} of upstream {} is half-open before its open period ended:"
                        + " its health check passed; probing", key.endpoint(), key.upstream());
                listener.onTransition(key.upstream(), key.endpoint(), CircuitBreaker.State.OPEN,
                        CircuitBreaker.State.HALF_OPEN);
            }
        }
    }

    /**
     * One line per transition, as nginx logs a server it stops using: the metrics say how often, this says
     * when and which endpoint. At most one open per open period, so a failing endpoint cannot flood the log.
     */
    private static void logTransition(Key key, CircuitBreaker.State to) {
        switch (to) {
            // No word of a health check: this registry does not know whether the endpoint has one (most do not,
            // the default config has none), nor whether one may still end this period (once between closings).
            // A check that ends it says so in a line of its own (onHalfOpenOnHealthCheck).
            case OPEN -> log.warn("circuit breaker of endpoint {} of upstream {} opened; calls skip it until probes"
                    + " after its open period succeed", key.endpoint(), key.upstream());
            case HALF_OPEN -> log.info("circuit breaker of endpoint {} of upstream {} is half-open; probing",
                    key.endpoint(), key.upstream());
            case CLOSED -> log.info("circuit breaker of endpoint {} of upstream {} closed; back in rotation",
                    key.endpoint(), key.upstream());
        }
    }

    /**
     * Hands each breaker of {@code next} that {@code running} does not have (made for settings a reload changed) the
     * state of the endpoint's breaker in {@code running} ({@link SlidingWindowCircuitBreaker#continueFrom}). Called
     * by the reload just before {@code next} serves, so that what the old breaker saw until then is taken on;
     * calls in flight under the old settings go on reporting to the old breaker.
     */
    public void handOver(Collection<CircuitBreaker> next, Collection<CircuitBreaker> running) {
        Set<CircuitBreaker> runningSet = Collections.newSetFromMap(new IdentityHashMap<>());
        runningSet.addAll(running);
        Set<CircuitBreaker> nextSet = Collections.newSetFromMap(new IdentityHashMap<>());
        nextSet.addAll(next);
        Map<List<String>, CircuitBreaker> runningByEndpoint = new HashMap<>();
        breakers.asMap().forEach((key, breaker) -> {
            if (runningSet.contains(breaker)) {
                runningByEndpoint.put(List.of(key.upstream(), key.endpoint()), breaker);
            }
        });
        breakers.asMap().forEach((key, breaker) -> {
            CircuitBreaker previous = runningByEndpoint.get(List.of(key.upstream(), key.endpoint()));
            if (nextSet.contains(breaker) && !runningSet.contains(breaker)
                    && breaker instanceof SlidingWindowCircuitBreaker retuned
                    && previous instanceof SlidingWindowCircuitBreaker before) {
                retuned.continueFrom(before);
            }
        });
    }

    /**
     * Forgets every breaker not in {@code inUse}: those of endpoints a reload removed, and the old ones of
     * endpoints whose breaker config it changed. In-flight requests of the old config keep theirs.
     */
    public void retainOnly(Collection<CircuitBreaker> inUse) {
        Set<CircuitBreaker> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(inUse);
        breakers.asMap().values().removeIf(breaker -> !kept.contains(breaker));
    }

    /** Every breaker the config uses, sorted by upstream and endpoint. */
    public Collection<BreakerSnapshot> snapshot() {
        List<BreakerSnapshot> snapshots = new ArrayList<>();
        for (Map.Entry<Key, CircuitBreaker> entry : breakers.asMap().entrySet()) {
            CircuitBreaker breaker = entry.getValue();
            snapshots.add(new BreakerSnapshot(entry.getKey().upstream(), entry.getKey().endpoint(),
                    breaker.reportedState(), breaker.failureRate(), breaker.callsInWindow(), breaker.secondsUntilHalfOpen()));
        }
        snapshots.sort(Comparator.comparing(BreakerSnapshot::upstream).thenComparing(BreakerSnapshot::endpoint));
        return snapshots;
    }
}
