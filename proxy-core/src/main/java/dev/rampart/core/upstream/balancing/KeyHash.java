package dev.rampart.core.upstream.balancing;

/**
 * A 64-bit hash of text that is the same in every JVM and every release: FNV-1a over the UTF-16 code units,
 * then MurmurHash3's 64-bit finalizer, which spreads FNV's weak high bits over the whole word. A hash ring
 * must place keys and endpoints the same way in every proxy of a fleet and after every restart, which
 * {@link String#hashCode()} (32 bits, many collisions on short keys) and seeded hashes do not give.
 */
public final class KeyHash {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private KeyHash() {
    }

    public static long of(CharSequence text) {
        long h = FNV_OFFSET;
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * FNV_PRIME;
        }
        return mix(h);
    }

    /** MurmurHash3's fmix64: every input bit affects every output bit. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
