package dev.rampart.server.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * The per-endpoint series of {@link MicrometerObserver}: attempts by outcome, breaker transitions, and the
 * breaker state and health gauges read at scrape time. It exists because endpoints come and go with reloads
 * on a life of their own: a removed endpoint's series all go, and stay gone while attempts in flight at the
 * reload end, until a reload configures it again (as {@link RouteMeters} does for routes). Label values
 * arrive already defaulted ({@code none} for an absent one) from the observer.
 */
final class EndpointMeters {

    private final MeterRegistry registry;
    private final ConcurrentMap<EndpointLabels, Counter> attempts = new ConcurrentHashMap<>();
    private final ConcurrentMap<EndpointLabels, Counter> transitions = new ConcurrentHashMap<>();
    /**
     * How many removed endpoints are remembered. Attempts in flight at an endpoint's removal end within their route's
     * timeout, long before this many more endpoints are removed; without a bound, endpoints that come and go (a config
     * generator that writes the pods' addresses, new ones at every rollout) would grow the set for as long as the
     * process runs, as {@link RouteMeters#RETIRED_FOR_RELOADS} bounds it for routes.
     */
    static final int RETIRED_ENDPOINTS_KEPT = 1_000;

    /**
     * Endpoints a reload removed (outcome label empty), the latest {@value #RETIRED_ENDPOINTS_KEPT}; one configured
     * again leaves the set. Read lock-free on the hot path; changed under {@code this} with {@link #retiredOrder}.
     */
    private final Set<EndpointLabels> retiredEndpoints = ConcurrentHashMap.newKeySet();
    /** The same endpoints, oldest removal first, so the oldest is forgotten first. Guarded by {@code this}. */
    private final LinkedHashSet<EndpointLabels> retiredOrder = new LinkedHashSet<>();
    /** Guarded by {@code this}: registration happens at start and on reload, never on the hot path. */
    private final Map<EndpointLabels, Gauge> breakerStates = new HashMap<>();
    /** Guarded by {@code this}, like {@link #breakerStates}. */
    private final Map<EndpointLabels, Gauge> endpointHealth = new HashMap<>();

    EndpointMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    void attempt(String upstream, String endpoint, String outcome) {
        incrementUnlessRetired(attempts, new EndpointLabels(upstream, endpoint, outcome),
                k -> Counter.builder("rampart.upstream.attempts")
                        .description("Upstream attempts by endpoint and outcome")
                        .tags("upstream", k.upstream(), "endpoint", k.endpoint(), "outcome", k.value())
                        .register(registry));
    }

    void breakerTransition(String upstream, String endpoint, String toState) {
        incrementUnlessRetired(transitions, new EndpointLabels(upstream, endpoint, toState),
                k -> Counter.builder("rampart.circuit.breaker.transitions")
                        .description("Circuit breaker state changes")
                        .tags("upstream", k.upstream(), "endpoint", k.endpoint(), "to", normalizeState(k.value()))
                        .register(registry));
    }

    /**
     * Increments the counter of {@code key}, made when absent, unless a reload removed its endpoint: that
     * endpoint's series are gone, and an attempt still in flight at the reload that ends later would create
     * them again, and nothing would ever remove them.
     */
    private void incrementUnlessRetired(ConcurrentMap<EndpointLabels, Counter> meters, EndpointLabels key,
                                        Function<EndpointLabels, Counter> create) {
        Counter counter = meters.get(key);
        if (counter == null && !retiredEndpoints.contains(new EndpointLabels(key.upstream(), key.endpoint(), ""))) {
            counter = meters.computeIfAbsent(key, create);
        }
        if (counter != null) {
            counter.increment();
        }
    }

    /** See {@link MicrometerObserver#registerBreakerState}: the endpoint is configured (again). */
    synchronized void registerBreakerState(String upstream, String endpoint, DoubleSupplier state) {
        EndpointLabels configured = new EndpointLabels(upstream, endpoint, "");
        retiredEndpoints.remove(configured);
        retiredOrder.remove(configured);
        replaceEndpointGauge(breakerStates, "rampart.circuit.breaker.state",
                "Circuit breaker state: 0 closed, 1 half-open, 2 open", upstream, endpoint, state);
    }

    synchronized void registerHealth(String upstream, String endpoint, DoubleSupplier verdict) {
        replaceEndpointGauge(endpointHealth, "rampart.upstream.endpoint.healthy",
                "Active health check verdict: 1 healthy, 0 unhealthy", upstream, endpoint, verdict);
    }

    synchronized void removeHealth(String upstream, String endpoint) {
        removeEndpointGauge(endpointHealth, upstream, endpoint);
    }

    /**
     * Forgets an endpoint that a reload removed: its gauges and counters go, and attempts still in flight that
     * end afterwards are not counted (see {@link #incrementUnlessRetired}), until a reload configures it again.
     */
    synchronized void remove(String upstream, String endpoint) {
        EndpointLabels removed = new EndpointLabels(upstream, endpoint, "");
        retiredOrder.remove(removed); // removed again: now the latest
        retiredOrder.add(removed);
        retiredEndpoints.add(removed);
        if (retiredOrder.size() > RETIRED_ENDPOINTS_KEPT) {
            EndpointLabels oldest = retiredOrder.iterator().next();
            retiredOrder.remove(oldest);
            retiredEndpoints.remove(oldest);
        }
        removeEndpointGauge(breakerStates, upstream, endpoint);
        removeEndpointGauge(endpointHealth, upstream, endpoint);
        removeMatching(attempts, upstream, endpoint);
        removeMatching(transitions, upstream, endpoint);
    }

    /** How many removed endpoints are remembered now. */
    synchronized int retiredEndpointCount() {
        return retiredEndpoints.size();
    }

    /** Registers a per-endpoint gauge read from {@code source}, replacing the endpoint's previous one in {@code gauges}. */
    private void replaceEndpointGauge(Map<EndpointLabels, Gauge> gauges, String name, String description,
                                      String upstream, String endpoint, DoubleSupplier source) {
        removeEndpointGauge(gauges, upstream, endpoint);
        EndpointLabels key = new EndpointLabels(upstream, endpoint, "");
        Gauge gauge = Gauge.builder(name, source, DoubleSupplier::getAsDouble)
                .description(description)
                .tags("upstream", key.upstream(), "endpoint", key.endpoint())
                .strongReference(true)
                .register(registry);
        gauges.put(key, gauge);
    }

    private void removeEndpointGauge(Map<EndpointLabels, Gauge> gauges, String upstream, String endpoint) {
        Gauge previous = gauges.remove(new EndpointLabels(upstream, endpoint, ""));
        if (previous != null) {
            registry.remove(previous);
        }
    }

    private void removeMatching(ConcurrentMap<EndpointLabels, Counter> meters, String upstream, String endpoint) {
        RouteMeters.removeWhere(registry, meters, k -> k.upstream().equals(upstream) && k.endpoint().equals(endpoint));
    }

    /** A breaker state name as a label: lower case, {@code -} as {@code _}. */
    static String normalizeState(String state) {
        return state == null ? MicrometerObserver.NONE : state.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /** Labels of a per-endpoint meter; {@code value} is the outcome, the target state, or unused. */
    private record EndpointLabels(String upstream, String endpoint, String value) {
    }
}
