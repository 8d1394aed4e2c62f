package dev.rampart.core.resilience;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every upstream's bulkhead, kept across config reloads. The requests in flight to an upstream (a WebSocket
 * tunnel for as long as it is open) hold their slots across a reload, so a reload must neither start the
 * count again from zero, which let a second and a third batch of tunnels in past the limit, nor lose it.
 * One bulkhead per upstream name; a reload that changes {@code max-concurrent-requests} changes the limit of
 * the same bulkhead, and one that removes the upstream forgets it once no request holds a slot of it (a
 * rollback that brings the upstream back while they run finds their slots counted). Lives as long as the
 * process.
 */
public final class Bulkheads {

    private final ConcurrentHashMap<String, CountingBulkhead> byUpstream = new ConcurrentHashMap<>();

    /** The bulkhead of {@code upstream}, limited to {@code maxConcurrent} from now on. */
    public Bulkhead forUpstream(String upstream, int maxConcurrent) {
        Bulkhead bulkhead = prepare(upstream, maxConcurrent);
        limitTo(upstream, maxConcurrent);
        return bulkhead;
    }

    /**
     * The bulkhead of {@code upstream} for a reload being built: made with {@code maxConcurrent} when the upstream has
     * none, else the one it has, which keeps its limit until the reload swaps in and calls {@link #limitTo}: the
     * running config's requests take their slots from it meanwhile, and a refused reload must leave it as it was.
     */
    public Bulkhead prepare(String upstream, int maxConcurrent) {
        return byUpstream.computeIfAbsent(upstream, name -> new CountingBulkhead(maxConcurrent));
    }

    /** Limits the bulkhead of {@code upstream}, when it has one, to {@code maxConcurrent} from now on. */
    public void limitTo(String upstream, int maxConcurrent) {
        CountingBulkhead bulkhead = byUpstream.get(upstream);
        if (bulkhead != null) {
            bulkhead.limitTo(maxConcurrent);
        }
    }

    /** The requests in flight to {@code upstream} (the slots of its bulkhead taken), 0 for one not known. */
    public int inFlight(String upstream) {
        CountingBulkhead bulkhead = byUpstream.get(upstream);
        return bulkhead == null ? 0 : bulkhead.inFlight();
    }

    /**
     * Forgets the bulkheads of upstreams a reload removed, except those still held by requests in flight: a
     * later reload that names the upstream again must count them (one that does not will forget it then).
     */
    public void retainOnly(Set<String> upstreams) {
        byUpstream.entrySet().removeIf(e -> !upstreams.contains(e.getKey()) && e.getValue().inFlight() == 0);
    }
}
