package dev.rampart.core.upstream;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.config.UpstreamConfig;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every endpoint's count of attempts in flight, kept across config reloads. The {@code least-request}
 * balancer reads it; requests in flight (an open WebSocket tunnel, a long poll) keep loading their endpoint
 * after a reload, so a reload must not start the counts again from zero, or the next requests would pile
 * onto the endpoint that is in fact the busiest. Found by upstream name and endpoint {@code host:port}. Each
 * endpoint's {@link Warmth} is kept here too, so that a reload does not start an endpoint's slow start again.
 */
public final class EndpointLoads {

    private final ConcurrentHashMap<String, AtomicInteger> byEndpoint = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Warmth> warmth = new ConcurrentHashMap<>();
    /** Whether the first config has been built: endpoints met after it join the upstream, and warm up. */
    private volatile boolean started;

    /** The in-flight count of {@code endpoint} (its {@code host:port}) in {@code upstream}. */
    public AtomicInteger of(String upstream, String endpoint) {
        return byEndpoint.computeIfAbsent(key(upstream, endpoint), k -> new AtomicInteger());
    }

    /**
     * The slow start of {@code endpoint} (its {@code host:port}) in {@code upstream}; met first now, at
     * {@code nowNanos} (ticker time), it joins the upstream then, unless the first config is being built.
     */
    public Warmth warmthOf(String upstream, String endpoint, long nowNanos) {
        return warmth.computeIfAbsent(key(upstream, endpoint),
                k -> started ? Warmth.joinedAt(nowNanos) : Warmth.ofFirstConfig());
    }

    /** The first config is built: an endpoint met from now on is one a reload adds. */
    public void started() {
        started = true;
    }

    /**
     * Forgets the counts of endpoints {@code config} no longer has and no attempt is in flight to; a count
     * still held is kept for a later reload that names its endpoint again (a rollback).
     */
    public void retainOnly(RampartConfig config) {
        Set<String> inUse = new HashSet<>();
        for (UpstreamConfig upstream : config.upstreams().values()) {
            for (EndpointAddress endpoint : upstream.endpoints()) {
                inUse.add(key(upstream.name(), endpoint.authority()));
            }
        }
        byEndpoint.entrySet().removeIf(e -> !inUse.contains(e.getKey()) && e.getValue().get() == 0);
        warmth.keySet().retainAll(inUse); // one named again later joins the upstream again: it warms up anew
    }

    private static String key(String upstream, String endpoint) {
        return upstream + ' ' + endpoint; // a host:port holds no space: the last one separates the two
    }
}
