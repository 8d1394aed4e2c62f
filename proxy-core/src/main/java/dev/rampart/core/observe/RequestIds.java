package dev.rampart.core.observe;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: an incoming id is kept only when it is well formed (1-128 visible ASCII characters from
 * a conservative set), so a client cannot inject header or log syntax through it; otherwise a random
 * UUID is made. {@link ThreadLocalRandom} keeps generation contention-free on event loops.
 */
public final class RequestIds {

    static final int MAX_LENGTH = 128;

    private RequestIds() {
    }

    /** The id to use: {@code incoming} when trusted and well formed, else a new one. */
    public static String resolve(String incoming, boolean trustIncoming) {
        if (trustIncoming && isWellFormed(incoming)) {
            return incoming;
        }
        return generate();
    }

    /** A new random (version 4) UUID. */
    public static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
        return new UUID(msb, lsb).toString();
    }

    /**
     * Letters, digits and {@code - _ . : + / = ; ~ @}, at most {@value #MAX_LENGTH} characters: UUIDs, ULIDs,
     * base64 ids and trace ids such as AWS's {@code Root=1-...;Parent=...;Sampled=1}, without the quotes,
     * backslashes, commas and spaces that would need care in a header list or a log line.
     */
    public static boolean isWellFormed(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '='
                    || c == ';' || c == '~' || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
