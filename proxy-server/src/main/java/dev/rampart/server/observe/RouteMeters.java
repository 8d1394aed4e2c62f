package dev.rampart.server.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The per-route series of {@link MicrometerObserver}: requests, their durations, retries and skipped
 * retries, each keyed by a small record of its label values (a lock-free map read per request once the
 * combination exists). A reload that removes a route removes its series with it.
 */
final class RouteMeters {

    static final Duration[] DURATION_BUCKETS = {
            Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30),
    };

    private final MeterRegistry registry;
    private final ConcurrentMap<RequestKey, Counter> requests = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Timer> durations = new ConcurrentHashMap<>();
    private final ConcurrentMap<RouteLabels, Counter> retries = new ConcurrentHashMap<>();
    private final ConcurrentMap<RouteLabels, Counter> retriesSkipped = new ConcurrentHashMap<>();
    /**
     * How many reloads a removed route is remembered for. Its requests still in flight at its removal end
     * long before this many reloads (a drain-bound WebSocket tunnel aside); a series one of them makes later
     * is removed by the next reload, which finds it unconfigured. Without a bound, a config generator that
     * names routes anew at every reload would grow the set for as long as the process runs.
     */
    static final int RETIRED_FOR_RELOADS = 100;

    /** Routes a reload removed, with the number of the reload that did; one configured again leaves. */
    private final ConcurrentMap<String, Long> retiredRoutes = new ConcurrentHashMap<>();
    private long reloads;
    /** The routes of the config applied before: one a reload removes may have no series yet, and is gone too. */
    private Set<String> configuredBefore = Set.of();

    RouteMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A finished request; {@code timed} false keeps it out of the latency histogram. */
    void request(String route, String method, int status, String reason, long durationNanos, boolean timed) {
        // The histogram first: a scrape that already counts this request then also finds its route's
        // histogram, even when it runs between the two lines.
        if (timed) {
            Timer duration = unlessRetired(durations, route, route, this::durationTimer);
            if (duration != null) {
                duration.record(durationNanos, TimeUnit.NANOSECONDS);
            }
        }
        increment(requests, new RequestKey(route, method, status, reason), route, this::requestCounter);
    }

    void retry(String route, String cause) {
        increment(retries, new RouteLabels(route, cause), route,
                k -> routeCounter("rampart.retries", "Retries scheduled, by cause", "cause", k));
    }

    void retrySkipped(String route, String why) {
        increment(retriesSkipped, new RouteLabels(route, why), route,
                k -> routeCounter("rampart.retries.skipped", "Retries a failure asked for but a rule refused", "why", k));
    }

    private Counter routeCounter(String name, String description, String valueLabel, RouteLabels labels) {
        return Counter.builder(name).description(description)
                .tags("route", labels.route(), valueLabel, labels.value())
                .register(registry);
    }

    /**
     * Forgets the routes a reload removed (or renamed), so that routes that come and go do not grow the
     * scrape for ever; {@code kept} (the label of requests no route matched) stays whatever the config.
     * Called with the first config's routes too, so that a route removed before its first request ended
     * is known as gone.
     *
     * @param configured the names of the routes of the config now applied
     */
    synchronized void retain(Set<String> configured, String kept) {
        long reload = ++reloads;
        retiredRoutes.keySet().removeAll(configured);
        retiredRoutes.values().removeIf(retiredAt -> retiredAt <= reload - RETIRED_FOR_RELOADS);
        Set<String> gone = new HashSet<>(configuredBefore);
        configuredBefore = Set.copyOf(configured);
        gone.addAll(durations.keySet());
        requests.keySet().forEach(k -> gone.add(k.route()));
        retries.keySet().forEach(k -> gone.add(k.route()));
        retriesSkipped.keySet().forEach(k -> gone.add(k.route()));
        gone.removeAll(configured);
        gone.remove(kept);
        gone.forEach(route -> retiredRoutes.put(route, reload));
        removeWhere(registry, durations, gone::contains);
        removeWhere(registry, requests, k -> gone.contains(k.route()));
        removeWhere(registry, retries, k -> gone.contains(k.route()));
        removeWhere(registry, retriesSkipped, k -> gone.contains(k.route()));
    }

    /** How many removed routes are remembered now. */
    int retiredRouteCount() {
        return retiredRoutes.size();
    }

    private <K> void increment(ConcurrentMap<K, Counter> meters, K key, String route, Function<K, Counter> create) {
        Counter counter = unlessRetired(meters, key, route, create);
        if (counter != null) {
            counter.increment();
        }
    }

    /**
     * The meter of {@code key}, made when absent, or null when a reload removed its route: its series are
     * gone, and a request in flight at the reload that ends later would make them again, and nothing
     * would remove them. A plain read first: {@code computeIfAbsent} may lock the bin even when the key
     * is present.
     */
    private <K, M> M unlessRetired(ConcurrentMap<K, M> meters, K key, String route, Function<K, M> create) {
        M meter = meters.get(key);
        if (meter == null && !retiredRoutes.containsKey(route)) {
            meter = meters.computeIfAbsent(key, create);
        }
        return meter;
    }

    /** Removes from {@code meters}, and from the registry, every meter whose key is {@code gone}. */
    static <K, M extends Meter> void removeWhere(MeterRegistry registry, ConcurrentMap<K, M> meters,
                                                 Predicate<K> gone) {
        meters.entrySet().removeIf(entry -> {
            if (gone.test(entry.getKey())) {
                registry.remove(entry.getValue());
                return true;
            }
            return false;
        });
    }

    private Counter requestCounter(RequestKey key) {
        return Counter.builder("rampart.requests")
                .description("Finished requests by route, method, status and reason")
                .tags(Tags.of("route", key.route(), "method", key.method(),
                        "status", Integer.toString(key.status()), "reason", key.reason()))
                .register(registry);
    }

    private Timer durationTimer(String route) {
        return Timer.builder("rampart.request.duration")
                .description("Time from the request head to the end of the exchange")
                .tags("route", route)
                .serviceLevelObjectives(DURATION_BUCKETS)
                .publishPercentileHistogram(false)
                .register(registry);
    }

    private record RequestKey(String route, String method, int status, String reason) {
    }

    /** Labels of a per-route meter; {@code value} is the cause or the reason a retry was skipped. */
    private record RouteLabels(String route, String value) {
    }
}
