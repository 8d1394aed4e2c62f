package dev.rampart.core.upstream;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every endpoint's count of attempts in flight, kept across config reloads. The {@code least-request}
 * balancer reads it; requests in flight (an open WebSocket tunnel, a long poll) keep loading their endpoint
 * after a reload, so a reload must not start the counts again from zero, or the next requests would pile
 * onto the endpoint that is in fact the busiest. Found by upstream name and endpoint {@code host:port}.
 */
public final class EndpointLoads {

    private final ConcurrentHashMap<String, AtomicInteger> byEndpoint = new ConcurrentHashMap<>();

    /** The in-flight count of {@code endpoint} (its {@code host:port}) in {@code upstream}. */
    public AtomicInteger of(String upstream, String endpoint) {
        return byEndpoint.computeIfAbsent(key(upstream, endpoint), k -> new AtomicInteger());
    }

    /**
     * Forgets the counts of endpoints a reload removed (given as {@link #key} values); attempts in flight to
     * them keep decrementing the counter they hold.
     */
    public void retainOnly(Set<String> keys) {
        byEndpoint.keySet().retainAll(keys);
    }

    /** The key {@link #retainOnly} takes for {@code endpoint} of {@code upstream}. */
    public static String key(String upstream, String endpoint) {
        return upstream + ' ' + endpoint; // a host:port holds no space: the last one separates the two
    }
}
