package dev.rampart.core.upstream;

import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.LoadBalancing;
import dev.rampart.core.config.UpstreamConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.health.EndpointHealth;
import dev.rampart.core.resilience.Bulkhead;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.upstream.balancing.EndpointSelectors;
import dev.rampart.core.upstream.pool.PoolSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream of a randomized test and everything that outlives its reloads: the clock, each endpoint's breaker,
 * health verdict, load and warmth, and the test's own record of the probe results it fed (the model's verdicts).
 */
final class PickFuzzRun {

    /** What an endpoint keeps across reloads, and the test's view of its health. */
    static final class Kept {
        final EndpointAddress address;
        final CircuitBreaker breaker;
        EndpointHealth health;
        final AtomicInteger inFlight = new AtomicInteger();
        final Warmth warmth;
        final long firstPhase;
        boolean modelHealthy = true;
        int successesInARow;
        int failuresInARow;
        /** When the model saw it pass its check again; Long.MIN_VALUE: never. */
        long recoveredAt = Long.MIN_VALUE;
        /** When a reload added it; Long.MIN_VALUE: of the first config. */
        final long joinedAt;
        int weight;
        boolean backup;
        /** The chance a probe of it passes, and that a request to it fails. */
        double probePasses;
        double requestFails;
        /** Failures in a row its closed breaker counted, as the test saw them. */
        int failuresInBreaker;
        boolean addedByLastReload;

        Kept(EndpointAddress address, CircuitBreaker breaker, EndpointHealth health, Warmth warmth, long joinedAt) {
            this.address = address;
            this.breaker = breaker;
            this.health = health;
            this.warmth = warmth;
            this.joinedAt = joinedAt;
            this.firstPhase = breaker.phase();
        }
    }

    final SplittableRandom random;
    final long[] now = {1_000_000_000L};
    final LoadBalancing policy;
    final long slowStartNanos;
    final int consecutiveFailures;
    final long openNanos;
    final int halfOpenProbes;
    int healthyThreshold;
    int unhealthyThreshold;
    final Map<String, Kept> kept = new HashMap<>();
    /** In config order. */
    final List<Kept> order = new ArrayList<>();
    int nextAddress = 1;
    UpstreamConfig config;
    Upstream upstream;
    final Map<Endpoint, Kept> keptOf = new HashMap<>();

    PickFuzzRun(long seed) {
        random = new SplittableRandom(seed);
        LoadBalancing[] policies = LoadBalancing.values();
        policy = policies[random.nextInt(policies.length)];
        slowStartNanos = policy == LoadBalancing.CONSISTENT_HASH || random.nextBoolean() ? 0
                : Duration.ofSeconds(1 + random.nextInt(20)).toNanos();
        consecutiveFailures = 1 + random.nextInt(3);
        openNanos = Duration.ofSeconds(1 + random.nextInt(5)).toNanos();
        halfOpenProbes = 1 + random.nextInt(2);
        healthyThreshold = 1 + random.nextInt(3);
        unhealthyThreshold = 1 + random.nextInt(3);
        int count = 2 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            addEndpoint(Long.MIN_VALUE);
        }
        if (order.stream().allMatch(k -> k.backup)) {
            order.get(0).backup = false;
        }
        rebuild();
    }

    Kept addEndpoint(long joinedAt) {
        EndpointAddress address = EndpointAddress.parse("10.0.0." + nextAddress++ + ":80");
        CircuitBreaker breaker = CircuitBreaker.of(new CircuitBreakerConfig(true, Duration.ofSeconds(10), 1000, 50,
                consecutiveFailures, Duration.ZERO, 100, Duration.ofNanos(openNanos), Duration.ofNanos(openNanos),
                halfOpenProbes), () -> now[0], CircuitBreaker.StateListener.NOOP);
        EndpointHealth health = new EndpointHealth(healthyThreshold, unhealthyThreshold,
                EndpointHealth.Listener.NOOP, () -> now[0]);
        Kept k = new Kept(address, breaker, health,
                joinedAt == Long.MIN_VALUE ? Warmth.ofFirstConfig() : Warmth.joinedAt(joinedAt), joinedAt);
        k.weight = random.nextBoolean() ? 1 : 1 + random.nextInt(3);
        k.backup = random.nextInt(4) == 0;
        k.probePasses = random.nextDouble();
        k.requestFails = random.nextDouble() * 0.6;
        kept.put(address.authority(), k);
        order.add(k);
        return k;
    }

    long nowNanos() {
        return now[0];
    }

    String configText() {
        StringBuilder endpoints = new StringBuilder();
        for (Kept k : order) {
            endpoints.append("{ address = \"").append(k.address.authority()).append("\", weight = ").append(k.weight)
                    .append(", backup = ").append(k.backup).append(" }, ");
        }
        return "rampart { upstreams { app { endpoints = [ " + endpoints + "], load-balancing = "
                + policy.name().toLowerCase().replace('_', '-')
                + ", slow-start = " + slowStartNanos / 1_000_000 + "ms"
                + ", circuit-breaker { minimum-calls = 1000, consecutive-failures = " + consecutiveFailures
                + ", open-duration = " + openNanos / 1_000_000 + "ms, max-open-duration = " + openNanos / 1_000_000
                + "ms, half-open-probes = " + halfOpenProbes + " }"
                + ", health-check { healthy-threshold = " + healthyThreshold + ", unhealthy-threshold = "
                + unhealthyThreshold + " } } }, routes = [ { upstream = app } ] }";
    }

    /** A new generation of the upstream from {@link #order}, as a reload builds it. */
    void rebuild() {
        config = ConfigLoader.parse(configText(), "fuzz.conf").upstreams().get("app");
        List<Endpoint> endpoints = new ArrayList<>();
        keptOf.clear();
        for (Kept k : order) {
            Endpoint e = new Endpoint(k.address, pool(k.address), k.breaker, k.health, k.inFlight, k.warmth, k.backup);
            endpoints.add(e);
            keptOf.put(e, k);
        }
        upstream = new Upstream(config, endpoints, selector(config), Bulkhead.of(1000), () -> now[0], random);
    }

    private dev.rampart.core.upstream.balancing.EndpointSelector selector(UpstreamConfig uc) {
        int[] weights = uc.endpoints().stream().mapToInt(uc::weight).toArray();
        List<String> addresses = uc.endpoints().stream().map(EndpointAddress::authority).toList();
        return EndpointSelectors.forEndpoints(uc.loadBalancing(), addresses, weights, 0, random);
    }

    /** The same upstream with every endpoint fresh: where each key's home is. */
    Upstream pristine() {
        List<Endpoint> endpoints = new ArrayList<>();
        for (Kept k : order) {
            endpoints.add(new Endpoint(k.address, pool(k.address), CircuitBreaker.of(config.circuitBreaker(),
                    () -> now[0], CircuitBreaker.StateListener.NOOP),
                    new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP), new AtomicInteger(),
                    Warmth.ofFirstConfig(), k.backup));
        }
        return new Upstream(config, endpoints, selector(config), Bulkhead.of(1000), () -> now[0], random);
    }

    static PoolSettings pool(EndpointAddress address) {
        return new PoolSettings(address, Duration.ofSeconds(1), 8, Duration.ofSeconds(30), Duration.ZERO, 16,
                UpstreamTlsConfig.DEFAULT);
    }
}
