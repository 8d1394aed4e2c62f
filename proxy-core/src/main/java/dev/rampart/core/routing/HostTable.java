package dev.rampart.core.routing;

import java.util.Map;

/**
 * An open-addressing table from a canonical host to its candidate routes, probed with the request's
 * {@code Host} value in place (see {@link Hosts}) so that a lookup never allocates a key. Built once
 * per {@link Router}; read-only afterwards, so it is safe to share between event loops.
 */
final class HostTable {

    private static final HostTable EMPTY = new HostTable(new String[1], new PathCandidates[1]);

    private final String[] keys;
    private final PathCandidates[] values;
    private final int mask;

    private HostTable(String[] keys, PathCandidates[] values) {
        this.keys = keys;
        this.values = values;
        this.mask = keys.length - 1;
    }

    /** @param entries canonical lower-case host to candidates, in match order */
    static HostTable of(Map<String, PathCandidates> entries) {
        if (entries.isEmpty()) {
            return EMPTY;
        }
        // Load factor at most 1/2 keeps probe chains short for misses, the case of unknown hosts.
        int capacity = Integer.highestOneBit(Math.max(2, entries.size()) * 2 - 1) << 1;
        String[] keys = new String[capacity];
        PathCandidates[] values = new PathCandidates[capacity];
        for (Map.Entry<String, PathCandidates> e : entries.entrySet()) {
            String key = e.getKey();
            int slot = spread(key.hashCode()) & (capacity - 1);
            while (keys[slot] != null) {
                slot = (slot + 1) & (capacity - 1);
            }
            keys[slot] = key;
            values[slot] = e.getValue();
        }
        return new HostTable(keys, values);
    }

    /** The candidates for {@code host[0, end)}, ignoring ASCII case, or null when the host is not listed. */
    PathCandidates get(String host, int end) {
        int slot = spread(Hosts.hash(host, end)) & mask;
        String key;
        while ((key = keys[slot]) != null) {
            if (Hosts.equalsKey(key, host, end)) {
                return values[slot];
            }
            slot = (slot + 1) & mask;
        }
        return null;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
