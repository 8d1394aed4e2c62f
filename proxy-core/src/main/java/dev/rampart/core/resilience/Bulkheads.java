package dev.rampart.core.resilience;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every upstream's bulkhead, kept across config reloads. The requests in flight to an upstream (a WebSocket
 * tunnel for as long as it is open) hold their slots across a reload, so a reload must neither start the
 * count again from zero, which let a second and a third batch of tunnels in past the limit, nor lose it.
 * One bulkhead per upstream name; a reload that changes {@code max-concurrent-requests} changes the limit of
 * the same bulkhead, and one that removes the upstream forgets it. Lives as long as the process.
 */
public final class Bulkheads {

    private final ConcurrentHashMap<String, CountingBulkhead> byUpstream = new ConcurrentHashMap<>();

    /** The bulkhead of {@code upstream}, limited to {@code maxConcurrent} from now on. */
    public Bulkhead forUpstream(String upstream, int maxConcurrent) {
        CountingBulkhead bulkhead = byUpstream.computeIfAbsent(upstream, name -> new CountingBulkhead(maxConcurrent));
        bulkhead.limitTo(maxConcurrent);
        return bulkhead;
    }

    /** Forgets the bulkheads of upstreams a reload removed; their in-flight requests keep theirs. */
    public void retainOnly(Set<String> upstreams) {
        byUpstream.keySet().retainAll(upstreams);
    }
}
