package dev.rampart.server.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Per-upstream gauges: {@code rampart_upstream_requests_active{upstream}}, the requests in flight to each upstream
 * (its bulkhead's slots taken, against {@code max-concurrent-requests}; Envoy's {@code upstream_rq_active}), so
 * that an operator sees how near the limit an upstream runs before it answers 503 {@code UPSTREAM_OVERLOADED}.
 * Registered at the start and after each reload; those of removed upstreams are removed. Not thread-safe: the
 * server calls it from its start and its reloads, one at a time.
 */
public final class UpstreamGauges {

    private final MeterRegistry registry;
    private final Map<String, Gauge> active = new HashMap<>();

    public UpstreamGauges(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Gauges {@code upstream}'s requests in flight, read from {@code inFlight}, unless it is gauged already. */
    public void register(String upstream, IntSupplier inFlight) {
        active.computeIfAbsent(upstream, name -> Gauge.builder("rampart.upstream.requests.active", inFlight,
                        IntSupplier::getAsInt)
                .description("Requests in flight to the upstream: the slots of its max-concurrent-requests taken")
                .tag("upstream", name)
                .strongReference(true)
                .register(registry));
    }

    /** Removes the gauges of upstreams not in {@code upstreams}. */
    public void retainOnly(Set<String> upstreams) {
        active.entrySet().removeIf(e -> {
            boolean gone = !upstreams.contains(e.getKey());
            if (gone) {
                registry.remove(e.getValue());
            }
            return gone;
        });
    }
}
